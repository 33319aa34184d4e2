/**
 * Benchmark of restore (issue 13): documents/s and MB/s of Headwater's restore of one snapshot from each
 * store type (fs, S3 on MinIO, the FerretDB blockstore) into a fresh database on the head server, against
 * baselines measured in the same run into the same server: `mongorestore --archive` of a `mongodump
 * --archive` of the same data (the restore part timed), and the server's bare bulk insert (raw cursor
 * drain, then unordered insertMany, as many batches in flight as Headwater restores collections at once,
 * and, for reference, one). Goals: 2x mongorestore and 0.8 of the bare bulk insert. Every restore, baselines included, is checked against the manifest
 * (count and content hash) or the suite fails. With mongorestore at hand, the snapshot is also exported in
 * mongodump's layout (exportDump) and loaded by plain `mongorestore --dir`, then compared likewise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MongoClient } from 'mongodb';
import { exportDump } from '../src/restore/export-dump.js';
import { mongoClient, uniqueName } from '../test/harness/services.js';
import { cleanupOnAbort, dropDatabases } from './harness/cleanup.js';
import { MB, round, sampleRss, timed } from './harness/measure.js';
import { ensureMongoTools, type MongoTools } from './harness/mongo-tools.js';
import { bulkInsert, drainRaw } from './harness/raw-baselines.js';
import { progress, type SuiteResult } from './harness/report.js';
import { assertMatchesManifest } from './harness/restore-check.js';
import { headwaterRestore, knobsFromEnv } from './harness/restore-headwater.js';
import { setupRestore, SOURCE_DB, STORE_KINDS, type RestoreSetup } from './harness/restore-setup.js';
import { dumpToArchive, restoreArchive, restoreDir } from './harness/restore-tools.js';
import { SCALE_SPECS, type Scale } from './harness/scale.js';

/** The bare bulk insert cuts batches at the domain's default batch bound (8 MiB). */
const BULK_BATCH_BYTES = 8 * 1024 * 1024;

interface Run {
  head: MongoClient;
  setup: RestoreSetup;
  tag: string;
  tmp: string;
  r: SuiteResult;
  mib: number;
  docs: number;
}

export async function benchRestore(opts: { scale: Scale }): Promise<SuiteResult> {
  const head = mongoClient('head');
  const tag = uniqueName('brs');
  const tmp = await mkdtemp(join(tmpdir(), 'headwater-bench-restore-'));
  let setup: RestoreSetup | undefined;
  const cleanup = async () => {
    await dropDatabases(head, ['fs', 's3', 'mongo', 'mdr', 'bulk', 'exp'].map((s) => `${tag}_${s}`));
    await setup?.cleanup();
    await rm(tmp, { recursive: true, force: true });
    await head.close();
  };
  const unregister = cleanupOnAbort(cleanup);
  try {
    setup = await setupRestore(head, SCALE_SPECS[opts.scale].datasetBytes);
    const totals = setup.manifest.collections.reduce((a, c) => ({ docs: a.docs + c.count, bytes: a.bytes + c.bytes }), { docs: 0, bytes: 0 });
    const run: Run = { head, setup, tag, tmp, r: { figures: {}, baselines: {}, ratios: {}, peakRssMiB: 0, notes: [] }, mib: totals.bytes / MB, docs: totals.docs };
    describeDataset(run);
    await headwaterRestores(run);
    const tools = ensureMongoTools();
    if ('unavailable' in tools) {
      run.r.notes.push(`baseline mongorestore left out and the export check could not run: ${tools.unavailable}`);
    } else {
      await mongorestoreBaseline(run, tools);
    }
    await bulkInsertBaseline(run);
    if (!('unavailable' in tools)) await exportCheck(run, tools);
    computeRatios(run.r);
    return run.r;
  } finally {
    unregister();
    await cleanup();
  }
}

function describeDataset(run: Run): void {
  const { r, setup } = run;
  Object.assign(r.figures, { documents: run.docs, datasetMiB: round(run.mib), compressionRatio: round(run.mib * MB / setup.manifest.totals.newStoredBytes, 2) });
  const snaps = STORE_KINDS.map((k) => `${k} ${setup.snapshotSeconds[k]} s`).join(', ');
  r.notes.push(`dataset: ${run.docs} documents, ${round(run.mib)} MiB of BSON in ${setup.manifest.collections.length} collections (_id index only), zstd chunks ~1 MiB, unencrypted; snapshots: ${snaps}`);
  r.notes.push('target: a fresh database on the head FerretDB (127.0.0.1:27118) for every restore; each one checked by count and content hash against the manifest');
}

/** Each store in turn; peak RSS is sampled over these restores only (the baselines buffer whole datasets). */
async function headwaterRestores(run: Run): Promise<void> {
  const { r, setup, head } = run;
  const knobs = knobsFromEnv();
  const rss = sampleRss();
  for (const kind of STORE_KINDS) {
    const targetDb = `${run.tag}_${kind}`;
    progress(`headwater restore from the ${kind} store`);
    const t = await headwaterRestore({ catalog: setup.catalog, storeOf: setup.storeOf, target: head, plan: setup.plan(kind), targetDb }, knobs);
    if (t.docs !== run.docs) throw new Error(`restore from ${kind} inserted ${t.docs} documents, the snapshot has ${run.docs}`);
    Object.assign(r.figures, {
      [`${kind}DocsPerSec`]: Math.round(run.docs / t.restoreSeconds),
      [`${kind}MBps`]: round(run.mib / t.restoreSeconds),
      [`${kind}Seconds`]: round(t.restoreSeconds, 2),
      [`${kind}VerifySeconds`]: round(t.verifySeconds, 2),
    });
    progress(`  ${round(t.restoreSeconds, 2)} s (${r.figures[`${kind}MBps`]} MB/s), verified in ${round(t.verifySeconds, 2)} s`);
    await dropDatabases(head, [targetDb]);
  }
  r.peakRssMiB = rss.stop();
  const set = Object.entries(knobs).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(', ');
  r.notes.push(`headwater restore knobs: ${set} (batch and read-ahead: the domain's defaults unless listed); seconds exclude the verification, reported apart`);
}

async function mongorestoreBaseline(run: Run, tools: MongoTools): Promise<void> {
  const { r, setup, head } = run;
  const archive = join(run.tmp, 'dump.archive');
  progress('baseline: mongodump --archive to a file, then mongorestore --archive (timed)');
  const dump = await timed(() => dumpToArchive(tools, setup.headDb, archive));
  const restore = await timed(() => restoreArchive(tools, archive, setup.headDb, `${run.tag}_mdr`));
  await assertMatchesManifest(head, `${run.tag}_mdr`, setup.manifest, 'mongorestore --archive');
  await dropDatabases(head, [`${run.tag}_mdr`]);
  await rm(archive, { force: true });
  Object.assign(r.baselines, {
    mongorestoreSeconds: round(restore.seconds, 2),
    mongorestoreDocsPerSec: Math.round(run.docs / restore.seconds),
    mongorestoreMBps: round(run.mib / restore.seconds),
  });
  r.notes.push(`mongo-tools ${tools.version} (100.18.0); mongodump --archive took ${round(dump.seconds, 2)} s (not counted); mongorestore defaults (4 collections in parallel)`);
  progress(`  mongorestore ${r.baselines.mongorestoreSeconds} s (${r.baselines.mongorestoreMBps} MB/s)`);
}

/** The bare bulk insert at Headwater's width (the ratio's baseline) and with one batch in flight. */
async function bulkInsertBaseline(run: Run): Promise<void> {
  const { r, setup, head } = run;
  const width = knobsFromEnv().parallel;
  progress(`baseline: bare bulk insert (raw drain, then insertMany unordered, ${width} and 1 batches in flight)`);
  const drain = await drainRaw(head, setup.headDb, setup.data.collections, BULK_BATCH_BYTES);
  for (const inFlight of [width, 1]) {
    const bulk = await bulkInsert(head, `${run.tag}_bulk`, drain, inFlight);
    await assertMatchesManifest(head, `${run.tag}_bulk`, setup.manifest, `bare bulk insert, ${inFlight} in flight`);
    await dropDatabases(head, [`${run.tag}_bulk`]);
    const key = inFlight === width ? 'bulkInsert' : 'bulkInsertOneInFlight';
    Object.assign(r.baselines, { [`${key}Seconds`]: round(bulk.seconds, 2), [`${key}MBps`]: round(run.mib / bulk.seconds), [`${key}DocsPerSec`]: Math.round(run.docs / bulk.seconds) });
    progress(`  bare bulk insert, ${inFlight} in flight: ${round(bulk.seconds, 2)} s (${round(run.mib / bulk.seconds)} MB/s)`);
    if (width === 1) break;
  }
  r.notes.push(`bare bulk insert: ${width} batches in flight (Headwater's collections at once) is the ratio's baseline; bulkInsertOneInFlight is the same insert one batch at a time`);
}

/** exportDump of the fs snapshot, loaded by `mongorestore --dir`, compared with the manifest. */
async function exportCheck(run: Run, tools: MongoTools): Promise<void> {
  const { r, setup, head } = run;
  const dir = join(run.tmp, 'export');
  progress('export in mongodump layout, loaded by mongorestore --dir');
  const exported = await timed(() => exportDump({ store: setup.storeOf('fs'), manifest: setup.manifest, dir }));
  const loaded = await timed(() => restoreDir(tools, dir, SOURCE_DB, `${run.tag}_exp`));
  try {
    await assertMatchesManifest(head, `${run.tag}_exp`, setup.manifest, 'export loaded by mongorestore');
  } catch (err) {
    r.figures.exportLoadedByMongorestore = 0;
    throw new Error(`exportLoadedByMongorestore: false: ${(err as Error).message}`, { cause: err });
  }
  await dropDatabases(head, [`${run.tag}_exp`]);
  Object.assign(r.figures, { exportLoadedByMongorestore: 1, exportSeconds: round(exported.seconds, 2), exportLoadSeconds: round(loaded.seconds, 2) });
  r.notes.push(`exportLoadedByMongorestore: true (1): ${exported.value.length} collections exported from the fs snapshot, loaded by mongorestore --dir, count and content hash equal to the manifest`);
}

/** Greater than 1 means Headwater is better; the headline ratios are the slowest store's. */
function computeRatios(r: SuiteResult): void {
  const { mongorestoreSeconds, bulkInsertMBps, bulkInsertSeconds } = r.baselines;
  for (const kind of STORE_KINDS) {
    if (mongorestoreSeconds !== undefined) r.ratios[`${kind}VsMongorestore`] = round(mongorestoreSeconds / r.figures[`${kind}Seconds`]!, 2);
    r.ratios[`${kind}VsBareBulkInsert`] = round(r.figures[`${kind}MBps`]! / bulkInsertMBps!, 2);
  }
  const worst = (suffix: string) => Math.min(...STORE_KINDS.map((k) => r.ratios[`${k}${suffix}`]!));
  if (mongorestoreSeconds !== undefined) {
    r.ratios.vsMongorestore = worst('VsMongorestore');
    // The bound: what a restore running at the bare bulk insert rate would score against mongorestore.
    r.baselines.bulkInsertVsMongorestore = round(mongorestoreSeconds / bulkInsertSeconds!, 2);
  }
  r.ratios.vsBareBulkInsert = worst('VsBareBulkInsert');
}
