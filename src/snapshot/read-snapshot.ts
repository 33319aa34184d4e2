/**
 * The read half of taking a snapshot, run while apply is paused so the head stays at `ts`: stream every
 * head collection into chunks, wait until every chunk is durable, then stage the manifest. Nothing here
 * makes the snapshot listed: only the commit (after apply was confirmed paused throughout) does. A rerun
 * after a crash starts over cheaply: chunks already stored are found by `has` and not written again.
 */
import type { MongoClient, Timestamp } from 'mongodb';
import type { Logger } from 'pino';
import { parseChunkerOptions, type ChunkerOptions } from '../chunk/chunker-options.js';
import type { SyncRecord } from '../catalog/syncs.js';
import type { SnapshotTotals } from '../contracts/snapshot.js';
import { tsToString } from '../lib/bson.js';
import type { BlobStore } from '../store/blob-store.js';
import { manifestKey } from '../store/layout.js';
import type { ChunkCodec } from './chunk-codec.js';
import { ChunkWriter } from './chunk-writer.js';
import { listHeadCollections } from './head-collections.js';
import { parseManifest, serializeManifest, type CollectionManifest, type Manifest } from './manifest.js';
import { snapshotCollection, type CollectionProgress } from './snapshot-collection.js';
import { stagedManifestKey } from './snapshot-keys.js';

export interface ReadSnapshotProgress extends CollectionProgress {
  collections: number;
  newChunks: number;
  newStoredBytes: number;
}

export interface ReadSnapshotOptions {
  head: MongoClient;
  store: BlobStore;
  plan: SyncRecord;
  ts: Timestamp;
  codec: ChunkCodec;
  chunker?: ChunkerOptions;
  uploadConcurrency?: number;
  /** What an earlier, crashed attempt stored (from its last heartbeat), so the totals count it. */
  stored?: { newChunks: number; newStoredBytes: number };
  signal?: AbortSignal;
  onProgress?: (p: ReadSnapshotProgress) => void;
  logger?: Logger;
}

export interface ReadSnapshotOutcome {
  /** The staged manifest's key, or the committed manifest's if this snapshot already exists. */
  key: string;
  manifest: Manifest;
  alreadyTaken: boolean;
}

export async function readSnapshot(o: ReadSnapshotOptions): Promise<ReadSnapshotOutcome> {
  const { plan, store, ts } = o;
  // 1. A snapshot of this job at this timestamp is already committed: the head is the same, nothing to do.
  const committed = manifestKey(plan.jobId, ts);
  if (await store.has(committed)) {
    return { key: committed, manifest: parseManifest(await store.get(committed), committed), alreadyTaken: true };
  }
  // 2. Stream each head collection into chunks, in namespace order.
  const chunker = parseChunkerOptions(o.chunker ?? {});
  const writer = new ChunkWriter(store, o.codec, o.uploadConcurrency ?? 4);
  const base = o.stored ?? { newChunks: 0, newStoredBytes: 0 };
  const collections: CollectionManifest[] = [];
  for (const collection of await listHeadCollections(o.head, plan)) {
    const manifest = await snapshotCollection({
      head: o.head,
      collection,
      chunker,
      writer,
      signal: o.signal,
      onProgress: (p) =>
        o.onProgress?.({
          ...p,
          collections: collections.length,
          newChunks: base.newChunks + writer.newChunks,
          newStoredBytes: base.newStoredBytes + writer.newStoredBytes,
        }),
    });
    collections.push(manifest);
  }
  // 3. Every chunk durable before the manifest names it.
  await writer.flush();
  const totals: SnapshotTotals = {
    collections: collections.length,
    documents: collections.reduce((n, c) => n + c.count, 0),
    bytes: collections.reduce((n, c) => n + c.bytes, 0),
    chunks: writer.distinct,
    newChunks: base.newChunks + writer.newChunks,
    newStoredBytes: base.newStoredBytes + writer.newStoredBytes,
  };
  const manifest: Manifest = {
    formatVersion: 1,
    jobId: plan.jobId,
    syncNumber: plan.syncNumber,
    ts: tsToString(ts),
    createdAt: new Date().toISOString(),
    codec: {
      compression: o.codec.compression,
      encryption: o.codec.key === undefined ? 'none' : 'aes-256-gcm',
      keyId: o.codec.key?.id,
      keyFingerprint: o.codec.key?.fingerprint,
      chunkIds: o.codec.key === undefined ? 'sha256' : 'hmac-sha256',
    },
    chunker: { minBytes: chunker.minBytes, avgBytes: chunker.avgBytes, maxBytes: chunker.maxBytes, normalization: chunker.normalization },
    collections,
    totals,
  };
  // 4. Stage the manifest; the commit makes it the snapshot.
  const staged = stagedManifestKey(plan.jobId, ts);
  await store.put(staged, serializeManifest(manifest));
  o.logger?.info({ jobId: plan.jobId, ts: manifest.ts, ...totals }, 'snapshot read and staged');
  return { key: staged, manifest, alreadyTaken: false };
}
