/**
 * Commit and discard of a staged snapshot. The commit writes the manifest under `manifests/` (its
 * existence is what makes a snapshot complete: every chunk was durable before it was staged), then the
 * catalog record, then drops the staged copy; each step is idempotent, so a retried commit finishes the
 * job. If the writer's lease lapsed, a sweep may have run meanwhile, so every chunk is checked first.
 */
import type { Timestamp } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import type { SnapshotRecord } from '../catalog/snapshots.js';
import { SnapshotAbandoned } from '../errors/domain-errors.js';
import { tsFromString } from '../lib/bson.js';
import type { BlobStore } from '../store/blob-store.js';
import { chunkKey, manifestKey } from '../store/layout.js';
import { manifestChunkIds, parseManifest, type Manifest } from './manifest.js';
import { snapshotId, stagedManifestKey } from './snapshot-keys.js';

export async function commitSnapshot(o: {
  store: BlobStore;
  storeId: string;
  catalog: Catalog;
  jobId: string;
  ts: Timestamp;
  /** False when the writer's lease lapsed before the commit. */
  leaseHeld: boolean;
}): Promise<{ manifest: Manifest; record: SnapshotRecord }> {
  const finalKey = manifestKey(o.jobId, o.ts);
  const stagedKey = stagedManifestKey(o.jobId, o.ts);
  let manifest: Manifest;
  if (await o.store.has(stagedKey)) {
    const bytes = await o.store.get(stagedKey);
    manifest = parseManifest(bytes, stagedKey);
    if (!o.leaseHeld) await assertChunksPresent(o.store, manifest, finalKey);
    await o.store.put(finalKey, bytes);
  } else if (await o.store.has(finalKey)) {
    manifest = parseManifest(await o.store.get(finalKey), finalKey); // a retried commit, or already taken
  } else {
    throw new SnapshotAbandoned(
      `unable to commit snapshot '${snapshotId(o.jobId, o.ts)}': its staged manifest is gone from ${o.store.describe()} (a sweep removes those whose writer lease lapsed)`,
    );
  }
  const record = recordOf(manifest, o.storeId, finalKey);
  await o.catalog.snapshots.record(record);
  await o.store.delete(stagedKey);
  return { manifest, record };
}

/** Drops a staged manifest that will not be committed; its chunks become garbage for the next sweep. */
export async function discardSnapshot(store: BlobStore, jobId: string, ts: Timestamp): Promise<void> {
  await store.delete(stagedManifestKey(jobId, ts));
}

/** The catalog record of a manifest stored under `key` in store `storeId`. */
export function recordOf(manifest: Manifest, storeId: string, key: string): SnapshotRecord {
  const ts = tsFromString(manifest.ts);
  return {
    _id: snapshotId(manifest.jobId, ts),
    jobId: manifest.jobId,
    syncNumber: manifest.syncNumber,
    ts,
    store: storeId,
    manifestKey: key,
    compression: manifest.codec.compression,
    encryption: manifest.codec.encryption,
    keyId: manifest.codec.keyId,
    ...manifest.totals,
    createdAt: new Date(manifest.createdAt),
  };
}

async function assertChunksPresent(store: BlobStore, manifest: Manifest, key: string): Promise<void> {
  for (const id of manifestChunkIds(manifest)) {
    if (!(await store.has(chunkKey(id)))) {
      throw new SnapshotAbandoned(`snapshot '${key}' abandoned: chunk ${id} was swept while the snapshot's lease had lapsed`);
    }
  }
}
