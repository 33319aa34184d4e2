/**
 * What the restore suite restores from: a generated dataset written straight into a job's head database
 * (as the snapshot suite does), a sync plan in a throwaway catalog, and one snapshot of it, at the same ts,
 * in each store type (fs, S3 on MinIO, the FerretDB blockstore), each registered so that a restore plan
 * can name it. `cleanup` drops the databases and store objects it made, whatever happened.
 */
import { Timestamp, type MongoClient } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import type { SyncRecord } from '../../src/catalog/syncs.js';
import { headDbName } from '../../src/head/head-names.js';
import { tsToString } from '../../src/lib/bson.js';
import type { RestorePlan } from '../../src/restore/plan-restore.js';
import { commitSnapshot } from '../../src/snapshot/commit-snapshot.js';
import type { Manifest } from '../../src/snapshot/manifest.js';
import { readSnapshot } from '../../src/snapshot/read-snapshot.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { manifestKey } from '../../src/store/layout.js';
import { uniqueName } from '../../test/harness/services.js';
import { makeStore, newJobId, type StoreKind, type TestStore } from '../../test/snapshot/fixtures.js';
import { dropDatabases } from './cleanup.js';
import { generateDataset, type GeneratedDataset } from './dataset.js';
import { round, timed } from './measure.js';
import { progress } from './report.js';

export const STORE_KINDS: readonly StoreKind[] = ['fs', 's3', 'mongo'];
/** The source database name the snapshot's namespaces carry. */
export const SOURCE_DB = 'brs';

export interface RestoreSetup {
  catalog: Catalog;
  /** The head database the snapshot was read from (the mongodump baseline dumps it too). */
  headDb: string;
  data: GeneratedDataset;
  manifest: Manifest;
  storeOf: (id: string) => BlobStore;
  plan: (kind: StoreKind) => RestorePlan;
  snapshotSeconds: Record<StoreKind, number>;
  cleanup(): Promise<void>;
}

export async function setupRestore(head: MongoClient, datasetBytes: number): Promise<RestoreSetup> {
  const jobId = newJobId('brs');
  const headDb = headDbName(jobId, 1, SOURCE_DB);
  const catalogDb = uniqueName('hw_bench_cat');
  const stores = new Map<StoreKind, TestStore>();
  const cleanup = async () => {
    await dropDatabases(head, [headDb, catalogDb]);
    for (const s of stores.values()) await s.cleanup().catch(() => undefined);
  };
  try {
    progress(`generating ${round(datasetBytes / 2 ** 20)} MiB into the head`);
    const data = await generateDataset(head, headDb, datasetBytes);
    const catalog = new Catalog(head, catalogDb);
    await catalog.ensureIndexes();
    const plan: SyncRecord = {
      _id: `${jobId}/1`, jobId, syncNumber: 1, source: 'bench', t0: new Timestamp({ t: 1, i: 1 }), createdAt: new Date(),
      collections: data.collections.map((c) => ({ ns: `${SOURCE_DB}.${c}`, options: {}, indexes: [], estimatedCount: 0, ranges: [{}] })),
    };
    await catalog.syncs.recordPlan(plan);
    const ts = new Timestamp({ t: 1_700_000_001, i: 1 });
    const snapshotSeconds = {} as Record<StoreKind, number>;
    let manifest: Manifest | undefined;
    for (const kind of STORE_KINDS) {
      const s = await makeStore(kind, head);
      stores.set(kind, s);
      progress(`snapshot into the ${kind} store`);
      const snap = await timed(async () => {
        await readSnapshot({ head, store: s.store, plan, ts, codec: { compression: 'zstd' } });
        return commitSnapshot({ store: s.store, storeId: kind, catalog, jobId, ts, leaseHeld: true });
      });
      snapshotSeconds[kind] = round(snap.seconds, 2);
      manifest = snap.value.manifest;
    }
    const restorePlan = (kind: StoreKind): RestorePlan => ({
      jobId, syncNumber: 1, snapshotId: snapshotId(jobId, ts), store: kind, manifestKey: manifestKey(jobId, ts), snapshotTs: tsToString(ts),
    });
    const storeOf = (id: string) => stores.get(id as StoreKind)!.store;
    return { catalog, headDb, data, manifest: manifest!, storeOf, plan: restorePlan, snapshotSeconds, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
