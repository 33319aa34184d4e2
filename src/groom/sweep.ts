/**
 * Mark and sweep of one store's chunks. Mark: every chunk any committed manifest in the store refers to,
 * whatever its job (chunks are shared). Sweep: delete every other chunk. It runs only under the store's
 * sweeper lease and only while no snapshot holds a writer lease (store-leases.ts): a snapshot being
 * written may rely on a chunk no manifest lists yet, so with a writer present the sweep is skipped, not
 * risked. A manifest that cannot be read stops the sweep before anything is deleted.
 */
import type { Logger } from 'pino';
import type { SweepResult } from '../contracts/snapshot.js';
import type { BlobStore } from '../store/blob-store.js';
import { CHUNKS_PREFIX, MANIFESTS_PREFIX, parseChunkKey, parseManifestKey } from '../store/layout.js';
import { readManifest } from '../snapshot/decode-snapshot.js';
import { manifestChunkIds } from '../snapshot/manifest.js';
import { STAGING_PREFIX } from '../snapshot/snapshot-keys.js';
import type { StoreLeases } from './store-leases.js';

/** Deletes between lease renewals; a sweep that lost its lease stops before the next batch. */
const RENEW_EVERY = 200;

export async function sweepStore(o: {
  store: BlobStore;
  storeId: string;
  leases: StoreLeases;
  owner: string;
  ttlMs: number;
  signal?: AbortSignal;
  onProgress?: (p: { manifests: number; chunksSeen: number; chunksDeleted: number }) => void;
  logger?: Logger;
}): Promise<SweepResult> {
  const result: SweepResult = { status: 'skipped', manifests: 0, referenced: 0, chunksDeleted: 0, bytesFreed: 0 };
  if (!(await o.leases.acquireSweeper(o.storeId, o.owner, o.ttlMs))) return { ...result, reason: `another sweep holds store '${o.storeId}'` };
  try {
    // Our lease is written; a writer that registers from now on sees it and waits.
    const writers = await o.leases.liveWriters(o.storeId);
    if (writers.length > 0) return { ...result, reason: `snapshots are being written: ${writers.map((w) => w.owner).join(', ')}` };
    // Mark: every chunk of every committed manifest in the store.
    const referenced = new Set<string>();
    for await (const entry of o.store.list(MANIFESTS_PREFIX)) {
      if (parseManifestKey(entry.key) === undefined) continue;
      for (const id of manifestChunkIds(await readManifest(o.store, entry.key))) referenced.add(id);
      result.manifests += 1;
      o.onProgress?.({ manifests: result.manifests, chunksSeen: 0, chunksDeleted: 0 });
    }
    result.referenced = referenced.size;
    // No writer is live, so no staged manifest is about to be committed: they are abandoned.
    for await (const entry of o.store.list(STAGING_PREFIX)) await o.store.delete(entry.key);
    // Sweep.
    let chunksSeen = 0;
    for await (const entry of o.store.list(CHUNKS_PREFIX)) {
      o.signal?.throwIfAborted();
      if (++chunksSeen % 1000 === 0) o.onProgress?.({ manifests: result.manifests, chunksSeen, chunksDeleted: result.chunksDeleted });
      const id = parseChunkKey(entry.key);
      if (id === undefined || referenced.has(id)) continue;
      if (result.chunksDeleted % RENEW_EVERY === 0 && !(await o.leases.renew(o.storeId, 'sweeper', o.owner, o.ttlMs))) {
        throw new Error(`sweep of store '${o.storeId}' lost its lease: stopping before deleting more`);
      }
      await o.store.delete(entry.key);
      result.chunksDeleted += 1;
      result.bytesFreed += entry.size;
    }
    result.status = 'swept';
    o.logger?.info({ store: o.storeId, ...result }, 'store swept');
    return result;
  } finally {
    await o.leases.release(o.storeId, 'sweeper', o.owner);
  }
}
