/**
 * Chunks in and out of a store: named by id, encoded with the blob envelope (compression, optional
 * AES-256-GCM), and checked against their id on every read, so a changed byte is always caught (an
 * unencrypted envelope carries no checksum of its own). Unencrypted chunk ids are the SHA-256 of the
 * plaintext (src/chunk/chunk-id.ts). Encrypted chunk ids are an HMAC-SHA-256 under a key derived from the
 * encryption key: equal data under one key still shares chunks, but an encrypted snapshot never reuses a
 * chunk stored in clear or under another key, and ids do not reveal the plaintext's hash.
 */
import { createHash, createHmac } from 'node:crypto';
import { chunkId } from '../chunk/chunk-id.js';
import { encodeBlob, decodeBlob } from '../codec/envelope.js';
import type { Compression } from '../codec/compression.js';
import type { BlobKey, Keyring } from '../codec/keys.js';
import { ChecksumMismatch, WrongKey } from '../errors/domain-errors.js';
import type { BlobStore } from '../store/blob-store.js';
import { chunkKey } from '../store/layout.js';

export interface ChunkCodec {
  compression: Compression;
  /** Seal chunks with this key; clear when absent. */
  key?: BlobKey;
}

const idKeys = new WeakMap<BlobKey, Buffer>();

/** The HMAC key for chunk ids: derived from, never equal to, the encryption key. */
function idKeyOf(key: BlobKey): Buffer {
  let k = idKeys.get(key);
  if (k === undefined) {
    k = createHash('sha256').update('headwater/chunk-id/v1').update(key.secret()).digest();
    idKeys.set(key, k);
  }
  return k;
}

/** The id a chunk of `plaintext` is stored under. */
export function chunkIdFor(plaintext: Uint8Array, key?: BlobKey): string {
  return key === undefined ? chunkId(plaintext) : createHmac('sha256', idKeyOf(key)).update(plaintext).digest('hex');
}

export function encodeChunk(plaintext: Uint8Array, codec: ChunkCodec): Buffer {
  return encodeBlob(plaintext, { compression: codec.compression, key: codec.key });
}

/**
 * Reads chunk `id` and returns its plaintext. Throws NotFound (missing), ChecksumMismatch (damaged: the
 * message names the chunk) or WrongKey. `keyId` is the manifest's key for HMAC ids.
 */
export async function readChunk(store: BlobStore, id: string, keyring: Keyring | undefined, keyId?: string): Promise<Buffer> {
  const key = chunkKey(id);
  const stored = await store.get(key);
  const plaintext = decodeBlob(stored, keyring, `chunk ${id}`);
  const idKey = keyId === undefined ? undefined : keyring?.get(keyId);
  if (keyId !== undefined && idKey === undefined) {
    throw new WrongKey(`unable to check chunk ${id}: the snapshot's key '${keyId}' is not configured`);
  }
  const actual = chunkIdFor(plaintext, idKey);
  if (actual !== id) {
    throw new ChecksumMismatch(`chunk ${id} in ${store.describe()} is damaged: its content hashes to ${actual}`, {
      details: { chunk: id, actual, store: store.describe() },
    });
  }
  return plaintext;
}
