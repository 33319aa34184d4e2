/**
 * Headwater's restore of one snapshot into a fresh target database, through the domain's own steps in
 * runRestore's order (open and check the snapshot, prepare the target, restoreCollection, verify, indexes),
 * so that the data path and the verification are timed apart: mongorestore verifies nothing, so the
 * ratios compare the restore without its verification, and the verification is reported beside it.
 * Knobs (defaults are the domain's: its parallelism, batch and read-ahead) come from the
 * environment so that a variant can be measured without touching src/restore.
 */
import type { MongoClient } from 'mongodb';
import type { Catalog } from '../../src/catalog/catalog.js';
import { buildIndexes } from '../../src/restore/build-indexes.js';
import { openSnapshot } from '../../src/restore/open-snapshot.js';
import type { RestorePlan } from '../../src/restore/plan-restore.js';
import { prepareTarget } from '../../src/restore/prepare-target.js';
import { DEFAULT_PARALLELISM } from '../../src/restore/run-restore.js';
import { restoreCollection } from '../../src/restore/restore-collection.js';
import { verifyCollection } from '../../src/restore/verify-collection.js';
import { fromManifestJson } from '../../src/snapshot/manifest.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { timed } from './measure.js';
import { SOURCE_DB } from './restore-setup.js';

export interface RestoreKnobs {
  batchDocs?: number;
  batchBytes?: number;
  readAhead?: number;
  /** Collections restored (and then verified) at once (runRestore: DEFAULT_PARALLELISM). */
  parallel: number;
}

/** HW_BENCH_RESTORE_{BATCH_DOCS,BATCH_BYTES,READ_AHEAD,PARALLEL}; unset means the domain's default. */
export function knobsFromEnv(env: NodeJS.ProcessEnv = process.env): RestoreKnobs {
  const num = (k: string) => (env[`HW_BENCH_RESTORE_${k}`] === undefined ? undefined : Number(env[`HW_BENCH_RESTORE_${k}`]));
  return { batchDocs: num('BATCH_DOCS'), batchBytes: num('BATCH_BYTES'), readAhead: num('READ_AHEAD'), parallel: num('PARALLEL') ?? DEFAULT_PARALLELISM };
}

export interface TimedRestore {
  /** Open, prepare, data and indexes: the restore a person waits for, without the verification. */
  restoreSeconds: number;
  verifySeconds: number;
  docs: number;
}

export async function headwaterRestore(
  o: { catalog: Catalog; storeOf: (id: string) => BlobStore; target: MongoClient; plan: RestorePlan; targetDb: string },
  knobs: RestoreKnobs,
): Promise<TimedRestore> {
  const selection = { rename: [`${SOURCE_DB}=${o.targetDb}`] };
  let docs = 0;
  const restored = await timed(async () => {
    const snap = await openSnapshot({ ...o, selection });
    const cols = snap.collections.map((c) => ({ ns: c.collection.ns, target: c.target, options: fromManifestJson(c.collection.options) }));
    await prepareTarget(o.target, cols, { drop: false });
    await inLanes(snap.collections, knobs.parallel, async ({ collection, target }) => {
      const res = await restoreCollection({ ...knobs, target: o.target, targetNs: target, store: snap.store, manifest: snap.manifest, collection });
      docs += res.cursor.docs;
    });
    await buildIndexes({ target: o.target, collections: snap.collections });
    return snap.collections;
  });
  // runRestore verifies each collection right after its data; with no replay to follow, after all of them
  // (in lanes of the same width) checks the same state, and keeps the verification's time apart.
  const verified = await timed(() => inLanes(restored.value, knobs.parallel, ({ collection, target }) => verifyCollection(o.target, target, collection).then(() => undefined)));
  return { restoreSeconds: restored.seconds, verifySeconds: verified.seconds, docs };
}

async function inLanes<T>(items: T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let k = next++; k < items.length; k = next++) await fn(items[k]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
}
