/**
 * The snapshot manifest: what a snapshot holds and how to read it back (per collection: options, indexes,
 * count, content hash, chunk list), plus its job, timestamp and codec. It is JSON with a `formatVersion`
 * and a SHA-256 of its own body, so a damaged or foreign manifest is refused, never half-trusted. BSON
 * values in options and indexes are canonical Extended JSON, so their types survive the round trip.
 */
import { createHash } from 'node:crypto';
import { BSON, type Document } from 'mongodb';
import { z } from 'zod';
import { ChunkId } from '../chunk/chunk-id.js';
import { SnapshotTotals } from '../contracts/snapshot.js';
import { TsString } from '../contracts/initial-sync.js';
import { ChecksumMismatch } from '../errors/domain-errors.js';

export const MANIFEST_FORMAT_VERSION = 1;

export const ChunkRef = z.object({ id: ChunkId, bytes: z.number().int().min(1) });
export type ChunkRef = z.infer<typeof ChunkRef>;

export const CollectionManifest = z.object({
  /** The source namespace (`db.coll`), not the head's. */
  ns: z.string().min(3),
  /** Collection options and index specs as canonical Extended JSON. */
  options: z.record(z.string(), z.unknown()),
  indexes: z.array(z.record(z.string(), z.unknown())),
  count: z.number().int().min(0),
  /** Order-independent content hash of the documents' BSON (src/lib/content-hash.ts). */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  /** In order: concatenated, they are the documents' BSON in `_id` order. */
  chunks: z.array(ChunkRef),
});
export type CollectionManifest = z.infer<typeof CollectionManifest>;

export const ManifestCodec = z.object({
  /** Persisted names; new algorithms are added, never renamed. */
  compression: z.enum(['zstd', 'gzip', 'none']),
  encryption: z.enum(['none', 'aes-256-gcm']),
  keyId: z.string().optional(),
  keyFingerprint: z.string().optional(),
  /** How chunk ids are made: SHA-256 of the plaintext, or HMAC-SHA-256 under a key derived from the encryption key. */
  chunkIds: z.enum(['sha256', 'hmac-sha256']),
});
export type ManifestCodec = z.infer<typeof ManifestCodec>;

export const ManifestBody = z.object({
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  jobId: z.string(),
  syncNumber: z.number().int().min(1),
  ts: TsString,
  createdAt: z.iso.datetime(),
  codec: ManifestCodec,
  chunker: z.object({ minBytes: z.number(), avgBytes: z.number(), maxBytes: z.number(), normalization: z.number() }),
  collections: z.array(CollectionManifest),
  totals: SnapshotTotals,
});
export type Manifest = z.infer<typeof ManifestBody>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The stored form: the body and the SHA-256 of its JSON text. */
export function serializeManifest(manifest: Manifest): Buffer {
  const body = JSON.stringify(ManifestBody.parse(manifest));
  return Buffer.from(`{"sha256":"${sha256(body)}","manifest":${body}}\n`, 'utf8');
}

/** Parses and checks a stored manifest; `name` (its key) appears in errors. */
export function parseManifest(bytes: Uint8Array, name: string): Manifest {
  const text = Buffer.from(bytes).toString('utf8');
  const m = /^\{"sha256":"([0-9a-f]{64})","manifest":(.*)\}\n?$/s.exec(text);
  if (m === null) throw new ChecksumMismatch(`unable to read manifest '${name}': not a headwater manifest`);
  if (sha256(m[2]!) !== m[1]) throw new ChecksumMismatch(`unable to read manifest '${name}': its checksum does not match, it was changed`);
  let raw: unknown;
  try {
    raw = JSON.parse(m[2]!);
  } catch (cause) {
    throw new ChecksumMismatch(`unable to read manifest '${name}': invalid json`, { cause });
  }
  const version = (raw as { formatVersion?: unknown }).formatVersion;
  if (version !== MANIFEST_FORMAT_VERSION) {
    throw new ChecksumMismatch(`unable to read manifest '${name}': format version ${String(version)} is not ${MANIFEST_FORMAT_VERSION}, the one this build reads`);
  }
  const parsed = ManifestBody.safeParse(raw);
  if (!parsed.success) throw new ChecksumMismatch(`unable to read manifest '${name}': ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** BSON values to the manifest's JSON form (canonical Extended JSON keeps every type). */
export function toManifestJson(doc: Document): Record<string, unknown> {
  return BSON.EJSON.serialize(doc, { relaxed: false }) as Record<string, unknown>;
}

/** The manifest's JSON form back to BSON values, types intact. */
export function fromManifestJson(json: Record<string, unknown>): Document {
  return BSON.EJSON.deserialize(json, { relaxed: false }) as Document;
}

/** Every distinct chunk id a manifest refers to. */
export function manifestChunkIds(manifest: Manifest): Set<string> {
  return new Set(manifest.collections.flatMap((c) => c.chunks.map((ch) => ch.id)));
}
