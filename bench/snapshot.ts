/**
 * Benchmark of snapshots (issue 5): MB/s of BSON from the head into a deduplicated, compressed fs store,
 * FastCDC chunking alone on one core, the compression ratio, and the dedup figure: bytes the second
 * snapshot stores after 1% of the documents changed, as a share of the first (goal <= 5%). Changes go to
 * the newest documents, as real workloads skew (ObjectId order is insertion order); the same figure with
 * changes spread evenly is reported too. Baseline: a bare raw cursor drain of the same head collections,
 * in the same order (_id) and one collection at a time, as the snapshot reads them, measured after the first
 * snapshot so that it is never the colder of the two.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timestamp, type MongoClient } from 'mongodb';
import { Catalog } from '../src/catalog/catalog.js';
import type { SyncRecord } from '../src/catalog/syncs.js';
import { headDbName } from '../src/head/head-names.js';
import { commitSnapshot } from '../src/snapshot/commit-snapshot.js';
import type { Manifest } from '../src/snapshot/manifest.js';
import { readSnapshot } from '../src/snapshot/read-snapshot.js';
import { FsBlobStore } from '../src/store/fs-blob-store.js';
import { mongoClient, uniqueName } from '../test/harness/services.js';
import { changeDocuments } from '../test/snapshot/fixtures.js';
import { benchChunking } from './chunking.js';
import { cleanupOnAbort, dropDatabases } from './harness/cleanup.js';
import { generateDataset } from './harness/dataset.js';
import { round, timed } from './harness/measure.js';
import { progress } from './harness/report.js';
import { SCALE_SPECS, type Scale } from './harness/scale.js';

const MB = 1e6;
const CHUNKING_BYTES: Record<Scale, number> = { small: 64 * 2 ** 20, medium: 256 * 2 ** 20, large: 512 * 2 ** 20 };

/** A bare raw cursor drain, sorted by _id, one collection after the other; returns bytes and seconds. */
async function drainSorted(head: MongoClient, db: string, collections: string[]): Promise<{ bytes: number; seconds: number }> {
  return timed(async () => {
    let bytes = 0;
    for (const coll of collections) {
      const cursor = head.db(db).collection(coll).find({}, { raw: true, sort: { _id: 1 }, batchSize: 2000 });
      for await (const raw of cursor as AsyncIterable<Uint8Array>) bytes += raw.length;
    }
    return bytes;
  }).then(({ value, seconds }) => ({ bytes: value, seconds }));
}

export async function benchSnapshot(opts: {
  scale: Scale;
}): Promise<{ figures: Record<string, number>; baselines: Record<string, number>; ratios: Record<string, number>; notes: string[] }> {
  const head = mongoClient('head');
  const jobId = uniqueName('bsn').replace(/_/g, '-').slice(0, 20);
  const db = headDbName(jobId, 1, 'bsn');
  const catalogDb = uniqueName('hw_bench_cat');
  const storeDir = await mkdtemp(join(tmpdir(), 'headwater-bench-snapshot-'));
  const cleanup = async () => {
    await dropDatabases(head, [db, catalogDb]);
    await rm(storeDir, { recursive: true, force: true });
  };
  const unregister = cleanupOnAbort(cleanup);
  try {
    progress(`generating ${SCALE_SPECS[opts.scale].datasetBytes / 2 ** 20} MiB into the head`);
    const data = await generateDataset(head, db, SCALE_SPECS[opts.scale].datasetBytes);
    const catalog = new Catalog(head, catalogDb);
    const plan: SyncRecord = {
      _id: `${jobId}/1`, jobId, syncNumber: 1, source: 'bench', t0: new Timestamp({ t: 1, i: 1 }), createdAt: new Date(),
      collections: data.collections.map((c) => ({ ns: `bsn.${c}`, options: {}, indexes: [], estimatedCount: 0, ranges: [{}] })),
    };
    const store = new FsBlobStore(storeDir);
    const snapshot = async (n: number): Promise<{ manifest: Manifest; seconds: number; readSeconds: number }> => {
      const ts = new Timestamp({ t: 1_700_000_000 + n, i: 1 });
      const read = await timed(() => readSnapshot({ head, store, plan, ts, codec: { compression: 'zstd' } }));
      const commit = await timed(() => commitSnapshot({ store, storeId: 'bench', catalog, jobId, ts, leaseHeld: true }));
      return { manifest: commit.value.manifest, seconds: read.seconds + commit.seconds, readSeconds: read.seconds };
    };

    progress('snapshot 1 (full)');
    const first = await snapshot(1);
    // After the first snapshot, so the drain never reads colder pages than the snapshot did.
    progress('baseline: raw cursor drain of the head');
    const drain = await drainSorted(head, db, data.collections);
    progress('changing the newest 1% of documents, snapshot 2');
    for (const c of data.collections) await changeDocuments(head, db, c, 0.01, 'recent');
    const second = await snapshot(2);
    progress('changing 1% of documents spread evenly, snapshot 3');
    for (const c of data.collections) await changeDocuments(head, db, c, 0.01, 'spread');
    const third = await snapshot(3);
    progress('chunking alone on one core');
    const chunking = await benchChunking({ bytes: CHUNKING_BYTES[opts.scale] });

    const t1 = first.manifest.totals;
    const share = (m: Manifest) => (100 * m.totals.newStoredBytes) / t1.newStoredBytes;
    const figures = {
      snapshotMBps: round(t1.bytes / MB / first.seconds),
      incrementalSnapshotMBps: round(second.manifest.totals.bytes / MB / second.seconds),
      chunkingMBps: chunking.mbPerSec,
      compressionRatio: round(t1.bytes / t1.newStoredBytes, 2),
      dedupSharePercent: round(share(second.manifest), 2),
      dedupSpreadSharePercent: round(share(third.manifest), 2),
      incrementalReadSeconds: round(second.readSeconds, 2),
      snapshotBytes: t1.bytes,
      chunks: t1.chunks,
    };
    const baselines = { cursorDrainMBps: round(drain.bytes / MB / drain.seconds) };
    const ratios = {
      snapshotVsCursorDrain: round(figures.snapshotMBps / baselines.cursorDrainMBps, 2),
      incrementalVsCursorDrain: round(figures.incrementalSnapshotMBps / baselines.cursorDrainMBps, 2),
      dedupVsGoal: round(5 / figures.dedupSharePercent, 2),
      chunkingVsGoal: round(chunking.mbPerSec / 300, 2),
    };
    const notes = [
      `${data.docs} documents, ${round(t1.bytes / MB)} MB of BSON in ${data.collections.length} collections; chunks ~1 MiB average, zstd level 3, fs store`,
      `dedup: the newest 1% of each collection's documents updated (${round(share(second.manifest), 2)}% stored); spread evenly: ${round(share(third.manifest), 2)}%`,
      `incrementalReadSeconds is how long apply would stay paused for the incremental snapshot`,
    ];
    return { figures, baselines, ratios, notes };
  } finally {
    await cleanup();
    unregister();
    await head.close();
  }
}
