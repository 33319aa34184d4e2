/**
 * Benchmark of the initial sync (issue 3): Headwater's end-to-end sync of a generated dataset, against
 * baselines measured in the same run on the same servers: mongodump --archive | mongorestore --archive,
 * a bare raw cursor drain of the source, and the head's bare bulk-insert rate. The head is checked equal
 * to the source (count and content hash per collection) before any figure is reported.
 */
import type { MongoClient } from 'mongodb';
import { headDbName } from '../src/head/head-names.js';
import { mongoClient, uniqueName } from '../test/harness/services.js';
import { cleanupOnAbort, dropDatabases, dropJob } from './harness/cleanup.js';
import { generateDataset, type GeneratedDataset } from './harness/dataset.js';
import { settleSourceOplog } from './harness/settle-oplog.js';
import { BenchWorker, benchJobId, connectClient, runInitialSync, terminateJobWorkflows } from './harness/headwater.js';
import { MB, round, timed } from './harness/measure.js';
import { dumpRestoreArchive, ensureMongoTools } from './harness/mongo-tools.js';
import { phaseMarks, phaseSpan } from './harness/phases.js';
import { bulkInsert, drainRaw, pipeRaw } from './harness/raw-baselines.js';
import { progress, type SuiteResult } from './harness/report.js';
import { SCALE_SPECS, type Scale } from './harness/scale.js';
import { assertSameDatabase } from './harness/verify.js';

/** Headwater's default slice size: the bare bulk insert cuts its batches the same way. */
const SLICE_BYTES = 10 * 1024 * 1024;

export async function benchInitialSync(opts: { scale: Scale }): Promise<SuiteResult> {
  const source = mongoClient('source');
  const head = mongoClient('head');
  const db = uniqueName('bis');
  const jobId = benchJobId();
  const scratch = [`${db}_mdr`, `${db}_bulk`, `${db}_pipe`];
  const r: SuiteResult = { figures: {}, baselines: {}, ratios: {}, peakRssMiB: 0, notes: [] };
  const cleanup = async () => {
    await dropJob(head, jobId, [db]).catch(() => undefined);
    await dropDatabases(head, scratch);
    await dropDatabases(source, [db]);
    await Promise.all([source.close(), head.close()]);
  };
  const unregister = cleanupOnAbort(cleanup);
  try {
    const data = await generateDataset(source, db, SCALE_SPECS[opts.scale].datasetBytes);
    r.notes.push(`dataset: ${data.docs} documents, ${round(data.bytes / MB)} MiB in ${data.collections.length} collections, generated in ${round(data.seconds)} s`);
    progress(r.notes[0]!);
    const settled = await settleSourceOplog();
    if (settled !== '') r.notes.push(settled);
    Object.assign(r.figures, { documents: data.docs, datasetMiB: round(data.bytes / MB) });

    const raw = await rawBaselines(r, source, head, data);

    const tools = ensureMongoTools();
    if ('unavailable' in tools) {
      r.notes.push(`baseline mongodump|mongorestore left out: ${tools.unavailable}`);
    } else {
      const mdr = await timed(() => dumpRestoreArchive(tools, db, `${db}_mdr`));
      await assertSameDatabase(source, head, db, `${db}_mdr`, data.collections, 'mongodump|mongorestore');
      r.baselines.mongodumpRestoreSeconds = round(mdr.seconds, 2);
      r.baselines.mongodumpRestoreMBps = round(data.bytes / MB / mdr.seconds);
      progress(`mongodump|mongorestore ${r.baselines.mongodumpRestoreSeconds} s (${r.baselines.mongodumpRestoreMBps} MB/s)`);
    }
    await dropDatabases(head, [`${db}_mdr`]);

    // A real replica set writes a no-op every 10 s, so its oplog is never empty; the test source's oplog,
    // replaced after the load, once held nothing by now (the sync then rightly refused to start).
    await source.db('headwater_services').collection('marker').insertOne({ createdAt: new Date() });
    const hw = await headwaterSync(r, data, jobId);
    await assertSameDatabase(source, head, db, headDbName(jobId, 1, db), data.collections, 'headwater head');
    await dropJob(head, jobId, [db]);
    if (r.baselines.mongodumpRestoreSeconds !== undefined) r.ratios.vsMongodumpRestore = round(r.baselines.mongodumpRestoreSeconds / hw.seconds, 2);
    r.ratios.copyVsDrain = round(hw.copyMBps / raw.drainMBps, 2);
    r.ratios.vsBarePipeline = round(raw.barePipelineSeconds / hw.seconds, 2);
    r.ratios.copyVsBarePipeline = round(raw.barePipelineSeconds / hw.insertSeconds, 2);
    // What a copier with no overhead at all reaches on these shared cores: bounds for the ratios above.
    r.baselines.barePipelineVsDrain = round(raw.drainSeconds / raw.barePipelineSeconds, 2);
    if (r.baselines.mongodumpRestoreSeconds !== undefined) {
      r.baselines.mongodumpRestoreVsBarePipeline = round(r.baselines.mongodumpRestoreSeconds / raw.barePipelineSeconds, 2);
    }
    r.ratios.insertVsBulkInsert = round(hw.insertMBps / raw.bulkInsertMBps, 2);
    return r;
  } finally {
    unregister();
    await cleanup();
  }
}

/** The bare drain and the bare bulk insert of the drained batches (released when this returns). */
async function rawBaselines(r: SuiteResult, source: MongoClient, head: MongoClient, data: GeneratedDataset) {
  const drain = await drainRaw(source, data.db, data.collections, SLICE_BYTES);
  const drainMBps = round(drain.bytes / MB / drain.seconds);
  const bulk = await bulkInsert(head, `${data.db}_bulk`, drain);
  await assertSameDatabase(source, head, data.db, `${data.db}_bulk`, data.collections, 'bare bulk insert');
  const bulkInsertMBps = round(drain.bytes / MB / bulk.seconds);
  progress(`bare drain ${drainMBps} MB/s, bare bulk insert ${bulkInsertMBps} MB/s`);
  await dropDatabases(head, [`${data.db}_bulk`]);
  const pipe = await pipeRaw(source, head, data.db, `${data.db}_pipe`, data.collections, SLICE_BYTES);
  await assertSameDatabase(source, head, data.db, `${data.db}_pipe`, data.collections, 'bare pipeline');
  await dropDatabases(head, [`${data.db}_pipe`]);
  const barePipelineSeconds = round(pipe.seconds, 2);
  progress(`bare pipeline (drain into bulk insert) ${barePipelineSeconds} s (${round(pipe.bytes / MB / pipe.seconds)} MB/s)`);
  Object.assign(r.baselines, { drainMBps, bulkInsertMBps, barePipelineSeconds, barePipelineMBps: round(pipe.bytes / MB / pipe.seconds) });
  return { drainMBps, drainSeconds: drain.seconds, bulkInsertMBps, barePipelineSeconds };
}

/** Runs the initialSync workflow on a worker child process; fills Headwater's figures. */
async function headwaterSync(r: SuiteResult, data: GeneratedDataset, jobId: string) {
  const worker = new BenchWorker();
  const { client, close } = await connectClient();
  const cleanup = async () => {
    await terminateJobWorkflows(client, jobId);
    await worker.dispose();
    await close();
  };
  const unregister = cleanupOnAbort(cleanup);
  try {
    await worker.start();
    const sync = await timed(() => runInitialSync(client, worker, { jobId, source: 'source', head: 'head', filter: { include: [data.db] } }));
    r.peakRssMiB = worker.peakRssMiB();
    const marks = await phaseMarks(client, `job/${jobId}/initial-sync/1`);
    const copySeconds = phaseSpan(marks, 'transferring', 'transferring') ?? sync.seconds;
    const insertSeconds = phaseSpan(marks, 'transferring', 'building') ?? sync.seconds;
    const mib = data.bytes / MB;
    Object.assign(r.figures, {
      seconds: round(sync.seconds, 2),
      docsPerSec: Math.round(data.docs / sync.seconds),
      MBps: round(mib / sync.seconds),
      copySeconds: round(copySeconds, 2),
      copyMBps: round(mib / copySeconds),
      insertMBps: round(mib / insertSeconds),
    });
    r.notes.push(`phases: ${marks.map((m, k) => `${m.phase} ${round(((marks[k + 1]?.atMs ?? m.atMs) - m.atMs) / 1000, 2)}s`).join(', ')}`);
    return { seconds: sync.seconds, insertSeconds, copyMBps: r.figures.copyMBps!, insertMBps: r.figures.insertMBps! };
  } catch (err) {
    throw new Error(`headwater initial sync failed: ${(err as Error).message}\nworker log (tail):\n${worker.log.slice(-3000)}`, { cause: err });
  } finally {
    unregister();
    await cleanup();
  }
}
