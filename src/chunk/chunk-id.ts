/**
 * Chunk ids: the SHA-256 (64 lowercase hex) of a chunk's plaintext. Naming by plaintext makes equal data
 * produce equal ids whatever the codec or key, which is what lets snapshots share chunks; the stored bytes
 * are verified against this id after decoding (see src/codec/envelope.ts for that contract).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const ChunkId = z.string().regex(/^[0-9a-f]{64}$/, 'a chunk id is 64 lowercase hex digits (sha-256)');
export type ChunkId = z.infer<typeof ChunkId>;

export function chunkId(plaintext: Uint8Array): ChunkId {
  return createHash('sha256').update(plaintext).digest('hex');
}
