/**
 * A collection's chunks, read ahead: up to `readAhead` chunks are fetched, decrypted, decompressed and
 * checked (src/snapshot readChunkRef) while the caller inserts the previous ones, handed out in manifest
 * order. Memory stays bounded by `readAhead` chunks whatever the collection's size. Resumes at any byte
 * offset of the collection's document stream (a restore cursor).
 */
import type { Keyring } from '../codec/keys.js';
import { readChunkRef } from '../snapshot/decode-snapshot.js';
import type { CollectionManifest, Manifest } from '../snapshot/manifest.js';
import type { BlobStore } from '../store/blob-store.js';

/** Plaintext bytes of the collection's stream, starting at `offset` bytes into it. */
export async function* chunkStream(o: {
  store: BlobStore;
  manifest: Manifest;
  collection: CollectionManifest;
  keyring?: Keyring;
  offset: number;
  readAhead: number;
  signal?: AbortSignal;
}): AsyncGenerator<Buffer> {
  const { chunks } = o.collection;
  let first = 0;
  let skip = o.offset;
  while (first < chunks.length && skip >= chunks[first]!.bytes) skip -= chunks[first++]!.bytes;
  const pending: Array<Promise<Buffer>> = [];
  let next = first;
  const fill = () => {
    while (next < chunks.length && pending.length < o.readAhead) {
      const read = readChunkRef(o.store, o.manifest, chunks[next++]!, o.keyring);
      read.catch(() => undefined); // awaited in order below; this only keeps an early failure from going unhandled
      pending.push(read);
    }
  };
  fill();
  while (pending.length > 0) {
    o.signal?.throwIfAborted();
    const plain = await pending.shift()!;
    fill();
    yield skip > 0 ? plain.subarray(skip) : plain;
    skip = 0;
  }
}
