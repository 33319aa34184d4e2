/**
 * Benchmark of continuous capture and apply (issue 4): under a steady mixed write load on the source,
 * Headwater's capture lag per entry (p50/p99/max) and its applier's throughput, against the same entries
 * (dumped with mongodump) replayed one round trip per entry, as mongorestore --oplogReplay does, and as a
 * bare ordered bulkWrite. Every replay and the head are checked equal to the source afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MongoClient, Timestamp } from 'mongodb';
import { headDbName } from '../src/head/head-names.js';
import { decodeRaw, tsFromString, tsToString } from '../src/lib/bson.js';
import { oldestOplogTs } from '../src/oplog/headroom.js';
import { latestOplogTs } from '../src/source/plan-sync.js';
import { mongoClient, uniqueName } from '../test/harness/services.js';
import { cleanupOnAbort, dropDatabases, dropJob } from './harness/cleanup.js';
import { startBareTail } from './harness/bare-tail.js';
import { applyBusy, captureLagsMs } from './harness/follow-figures.js';
import { BenchWorker, benchJobId, connectClient, runInitialSync, startFollow, terminateJobWorkflows } from './harness/headwater.js';
import { IdPool, seedCollections, steadyLoad } from './harness/load.js';
import { percentile, round, timed } from './harness/measure.js';
import { dumpOplogWindow, ensureMongoTools } from './harness/mongo-tools.js';
import { bulkInsert, drainRaw } from './harness/raw-baselines.js';
import { readBsonFile, replayBulk, replayHeadwaterSlices, replayOneByOne, translate, type Translated } from './harness/replay.js';
import { progress, type SuiteResult } from './harness/report.js';
import { SCALE_SPECS, type Scale } from './harness/scale.js';
import { assertSameDatabase } from './harness/verify.js';
import { waitApplied } from './harness/wait-applied.js';

const COLLS = ['accounts', 'events'];

export async function benchOplog(opts: { scale: Scale; ops?: number; sliceAgeMs?: number }): Promise<SuiteResult> {
  const spec = { ...SCALE_SPECS[opts.scale], ...(opts.ops === undefined ? {} : { opsPerSec: opts.ops }) };
  const sliceMaxAgeMs = opts.sliceAgeMs ?? 1000;
  const source = mongoClient('source');
  const head = mongoClient('head');
  const db = uniqueName('bop');
  const jobId = benchJobId();
  const copies = { oneByOne: `${db}_r1`, bulk: `${db}_r2`, alone: `${db}_r3` };
  const worker = new BenchWorker();
  const temporal = await connectClient();
  const dumpDir = mkdtempSync(join(tmpdir(), 'headwater-bench-oplog-'));
  const r: SuiteResult = { figures: {}, baselines: {}, ratios: {}, peakRssMiB: 0, notes: [] };
  const cleanup = async () => {
    r.peakRssMiB = Math.max(r.peakRssMiB, worker.peakRssMiB());
    await terminateJobWorkflows(temporal.client, jobId);
    await worker.dispose();
    await temporal.close();
    rmSync(dumpDir, { recursive: true, force: true });
    await dropJob(head, jobId, [db]).catch(() => undefined);
    await dropDatabases(head, Object.values(copies));
    await dropDatabases(source, [db]);
    await Promise.all([source.close(), head.close()]);
  };
  const unregister = cleanupOnAbort(cleanup);
  try {
    const pools = new Map<string, IdPool>();
    await seedCollections(source, db, COLLS, spec.oplogBaseDocs, pools);
    await worker.start();
    const sync = await runInitialSync(temporal.client, worker, { jobId, source: 'source', head: 'head', filter: { include: [db] } });
    await baseCopies(source, head, db, Object.values(copies));
    const follow = await startFollow(temporal.client, worker, {
      jobId, syncNumber: 1, source: 'source', capturedThrough: sync.consistentAt, appliedThrough: sync.consistentAt, captureSeconds: 5, sliceMaxAgeMs,
    });
    const windowStart = await latestOplogTs(source);
    const bare = startBareTail(source, db, windowStart);
    progress(`writing ${spec.opsPerSec} ops/s for ${spec.loadSeconds} s into ${db} while Headwater follows`);
    const load = await steadyLoad(source, db, pools, { opsPerSec: spec.opsPerSec, seconds: spec.loadSeconds });
    const windowEnd = await latestOplogTs(source);
    const catchUp = await timed(() => waitApplied(follow.query.bind(follow), tsToString(windowEnd), 120 + spec.loadSeconds));
    const bareLags = await bare.stop();
    r.peakRssMiB = worker.peakRssMiB();
    // Nothing of Headwater's may run while the baselines are timed.
    await follow.terminate('benchmark over');
    await worker.kill('SIGTERM');
    const ops = load.inserts + load.updates + load.deletes;
    Object.assign(r.figures, { requestedOpsPerSec: spec.opsPerSec, sliceMaxAgeMs, operations: ops, loadOpsPerSec: Math.round(ops / load.seconds), catchUpSeconds: round(catchUp.seconds, 2) });

    const lags = await captureLagsMs(source, head, jobId, db, windowStart, windowEnd);
    Object.assign(r.figures, { captureLagP50Ms: percentile(lags, 50), captureLagP99Ms: percentile(lags, 99), captureLagMaxMs: Math.max(...lags) });
    // The server's own bound in the same run: write -> read by a bare tailable cursor, nothing durable.
    Object.assign(r.baselines, { bareTailLagP50Ms: percentile(bareLags, 50), bareTailLagP99Ms: percentile(bareLags, 99) });
    if (bareLags.length !== lags.length) r.notes.push(`the bare tail read ${bareLags.length} of the window's ${lags.length} entries`);
    const busy = await applyBusy(temporal.client, follow.workflowId);
    const applied = Math.min(lags.length, busy.entries);
    r.figures.applyOpsPerSec = Math.round(applied / busy.seconds);
    r.notes.push(`applier: ${busy.entries} entries (${lags.length} of this run's database) in ${busy.activities} applyOplog activities, busy ${round(busy.seconds, 2)} s`);
    await assertSameDatabase(source, head, db, headDbName(jobId, 1, db), COLLS, 'headwater head');

    const entries = await windowEntries(r, source, db, windowStart, windowEnd, dumpDir);
    if (entries.length !== lags.length) r.notes.push(`the replay window holds ${entries.length} entries, capture saw ${lags.length}`);
    const one = await replayOneByOne(head, copies.oneByOne, entries);
    await assertSameDatabase(source, head, db, copies.oneByOne, COLLS, 'one-by-one replay');
    const bulk = await replayBulk(head, copies.bulk, entries);
    await assertSameDatabase(source, head, db, copies.bulk, COLLS, 'bulkWrite replay');
    r.baselines.oplogReplayOneByOneOpsPerSec = Math.round(entries.length / one.seconds);
    r.baselines.bulkWriteOpsPerSec = Math.round(entries.length / bulk.seconds);
    r.ratios.applyVsMongorestoreOplogReplay = round(r.figures.applyOpsPerSec / r.baselines.oplogReplayOneByOneOpsPerSec, 2);
    r.ratios.applyVsBulkWrite = round(r.figures.applyOpsPerSec / r.baselines.bulkWriteOpsPerSec, 2);
    r.ratios.captureLagP99VsGoal1s = round(1000 / Math.max(1, r.figures.captureLagP99Ms!), 2);
    // The applier's busy rate above shares the machine with the load and capture; the baselines do not.
    const alone = await replayHeadwaterSlices({
      head, jobId, syncNumber: 1, storeDir: worker.config.storeDir, afterTs: tsFromString(sync.consistentAt),
      mapNamespace: (ns) => (ns.startsWith(`${db}.`) ? { db: copies.alone, coll: ns.slice(db.length + 1) } : null),
    });
    await assertSameDatabase(source, head, db, copies.alone, COLLS, 'Headwater slices replayed alone');
    r.figures.applyAloneOpsPerSec = Math.round(Math.min(alone.entries, lags.length) / alone.seconds);
    r.notes.push(`applier alone: Headwater's ${alone.entries} captured entries replayed onto a copy in ${round(alone.seconds, 2)} s`);
    r.ratios.applyAloneVsMongorestoreOplogReplay = round(r.figures.applyAloneOpsPerSec / r.baselines.oplogReplayOneByOneOpsPerSec, 2);
    r.ratios.applyAloneVsBulkWrite = round(r.figures.applyAloneOpsPerSec / r.baselines.bulkWriteOpsPerSec, 2);
    return r;
  } catch (err) {
    throw new Error(`${(err as Error).message}\nworker log (tail):\n${worker.log.slice(-3000)}`, { cause: err });
  } finally {
    unregister();
    await cleanup();
  }
}

/** Copies of the source database as it is before the load: the replays start from these. */
async function baseCopies(source: MongoClient, head: MongoClient, db: string, targets: string[]): Promise<void> {
  const drained = await drainRaw(source, db, COLLS, 4 * 1024 * 1024);
  for (const t of targets) await bulkInsert(head, t, drained, 2);
}

/** The window's entries of this database, from a mongodump of the oplog (or the driver, with a note). */
async function windowEntries(r: SuiteResult, source: MongoClient, db: string, after: Timestamp, through: Timestamp, dir: string): Promise<Translated[]> {
  // The replays need the whole window still in the source's oplog: a load the server now sustains can
  // outrun the local 8 MiB oplog, and a trimmed window would read as a replay that lost entries.
  const oldest = await oldestOplogTs(source);
  if (oldest === undefined || oldest.gt(after))
    throw new Error(
      `the load outran the source oplog: its oldest entry ${oldest ? tsToString(oldest) : '(none)'} is after the window's start ` +
        `${tsToString(after)}, so the replays cannot be measured; lower --ops (or raise HW_OPLOG_SIZE_BYTES for the services)`,
    );
  const tools = ensureMongoTools();
  let docs;
  if ('unavailable' in tools) {
    r.notes.push(`oplog window read with the driver instead of mongodump: ${tools.unavailable}`);
    const raw = await source.db('local').collection('oplog.rs').find({ ts: { $gt: after, $lte: through } }, { raw: true }).toArray();
    docs = (raw as unknown as Uint8Array[]).map(decodeRaw);
  } else {
    const ts = (t: Timestamp) => ({ t: t.high >>> 0, i: t.low >>> 0 });
    const dump = await timed(() => dumpOplogWindow(tools, ts(after), ts(through), dir));
    r.baselines.mongodumpOplogWindowSeconds = round(dump.seconds, 2);
    docs = readBsonFile(dump.value);
  }
  return docs
    .filter((d) => String(d.ns).startsWith(`${db}.`))
    .map(translate)
    .filter((t): t is Translated => t !== undefined);
}
