/**
 * The backup job workflow end to end: real dev server, real worker (in this process, over the real
 * activities), FerretDB source and head. One job walks every legal transition and is refused every illegal
 * one; a second, on a tiny oplog, rolls over, waits for `resync`, and survives continue-as-new.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { NativeConnection, Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MongoClient } from 'mongodb';
import { MongoClient as Mongo } from 'mongodb';
import { createActivities } from '../../src/activities/index.js';
import { jobReport } from '../../src/client/cli/job-format.js';
import { JobClient } from '../../src/client/job-client.js';
import { parseConfig } from '../../src/config/load.js';
import { JOB_COMMANDS, type JobCommand, type JobView } from '../../src/contracts/job.js';
import { PHASES, compareTsString } from '../../src/contracts/initial-sync.js';
import type { GroomResult, SweepResult } from '../../src/contracts/snapshot.js';
import { IllegalTransition, NotFound } from '../../src/errors/domain-errors.js';
import { headDbName } from '../../src/head/head-names.js';
import { tsToString } from '../../src/lib/bson.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { allowedCommands } from '../../src/workflows/job-machine.js';
import { StateKey } from '../../src/workflows/search-attributes.js';
import { restoreWindow, windowSummary } from '../../src/restore/restore-window.js';
import { isoSecond } from '../../src/restore/restore-time.js';
import { readManifest } from '../../src/snapshot/decode-snapshot.js';
import { manifestChunkIds, serializeManifest } from '../../src/snapshot/manifest.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { CHUNKS_PREFIX, chunkKey, parseChunkKey } from '../../src/store/layout.js';
import { updateJobUpdate } from '../../src/workflows/messages.js';
import { digest } from '../harness/compare.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, historyText, nativeConnection } from '../harness/temporal.js';

/** The chunk ids a store holds, from its keys. */
async function chunkIdsIn(store: BlobStore): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const e of store.list(CHUNKS_PREFIX)) ids.add(parseChunkKey(e.key) ?? e.key);
  return ids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newJobId = (p: string) => uniqueName(p).replace(/_/g, '-').slice(0, 18);

/** Polls until `probe` returns a value `ok` accepts (events, not clocks: it returns as soon as it holds). */
// Generous: a shared 2-core machine under load has taken over 90 s for the first sync's catch-up.
async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 180_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await sleep(250);
  }
}

describe('backup job workflow (real dev server, worker, FerretDB)', () => {
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let workflowBundle: WorkflowBundleWithSourceMap;
  let deps: Deps;
  let head: MongoClient;
  let source: MongoClient;
  let tiny: Awaited<ReturnType<typeof startFerret>>;
  let storeDir: string;
  let worker: { w: Worker; running: Promise<void> } | undefined;
  const taskQueue = uniqueName('hw-job');
  const catalogDb = uniqueName('hw_cat_job');
  const jobIds: string[] = [];
  const sourceDbs: string[] = [];
  let jobs: JobClient;

  const startWorker = async () => {
    const w = await createWorker({ connection: native, taskQueue, workflowBundle, activities: createActivities(deps) });
    worker = { w, running: w.run() };
  };
  const stopWorker = async () => {
    if (worker === undefined) return;
    worker.w.shutdown();
    await worker.running;
    worker = undefined;
  };

  before(async () => {
    t = await connectTemporal();
    native = await nativeConnection();
    workflowBundle = await bundle(workflowsPath);
    head = mongoClient('head');
    source = mongoClient('source');
    tiny = await startFerret({ oplogBytes: 64 * 1024, cappedCleanupSeconds: 1 });
    storeDir = await mkdtemp(join(tmpdir(), 'hw-job-'));
    deps = createDeps(
      parseConfig({
        temporal: { address: services.temporal.address },
        catalog: { connection: 'head', database: catalogDb },
        connections: { source: { uri: services.source.uri }, head: { uri: services.head.uri }, tiny: { uri: tiny.uri } },
        stores: { default: { type: 'fs', path: storeDir } },
        metrics: { port: 0 },
      }),
    );
    jobs = new JobClient(t.client, taskQueue);
    await startWorker();
  });

  after(async () => {
    for (const jobId of jobIds) {
      for (const id of [workflowIds.job(jobId), workflowIds.tail(jobId)]) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
      for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) await t.client.schedule.getHandle(id).delete().catch(() => undefined);
      for (const db of await listHeadDatabases(head, jobId)) await head.db(db.name).dropDatabase();
    }
    await stopWorker();
    for (const db of sourceDbs) await source.db(db).dropDatabase();
    await head.db(catalogDb).dropDatabase();
    await deps.close();
    await tiny.stop();
    await head.close();
    await source.close();
    await rm(storeDir, { recursive: true, force: true });
    await native.close();
    await t.connection.close();
  });

  /** Every command the state does not allow is refused, names the state and the allowed commands, and changes nothing. */
  async function refusesIllegal(jobId: string): Promise<void> {
    const before = await jobs.view(jobId);
    for (const command of JOB_COMMANDS.filter((c) => !allowedCommands(before).includes(c))) {
      await assert.rejects(jobs.command(jobId, command as JobCommand), (err: unknown) => {
        assert.ok(err instanceof IllegalTransition, `${command}: ${String(err)}`);
        assert.match(err.message, new RegExp(`^cannot ${command} a job that is ${before.state}`));
        assert.match(err.message, new RegExp(`allowed commands? (is|are) ${allowedCommands(before).join(', ')}$`));
        return true;
      });
    }
    const afterView = await jobs.view(jobId);
    assert.equal(afterView.state, before.state);
    assert.equal(afterView.syncNumber, before.syncNumber);
    assert.equal(afterView.counters.commands, before.counters.commands, 'a refused command is not counted');
  }

  const waitState = (jobId: string, state: JobView['state'], extra: (v: JobView) => boolean = () => true) =>
    until(`job ${jobId} ${state}`, () => jobs.view(jobId), (v) => v.state === state && extra(v));

  const scheduleState = async (id: string) => {
    try {
      return (await t.client.schedule.getHandle(id).describe()).state.paused ? 'paused' : 'running';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'absent';
      throw err;
    }
  };

  it('walks start, stop, restart, stop, terminate, start-then-stop; refuses every illegal command; Schedules and data follow', async () => {
    const jobId = newJobId('bj');
    jobIds.push(jobId);
    const db = uniqueName('bj');
    sourceDbs.push(db);
    await source.db(db).collection('c').insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, v: i })) as never[]);

    // Short capture calls: the follow applies what a capture call took only once the call returns.
    const created = await jobs.createJob({ jobId, source: 'source', filter: { include: [db] }, retention: { intervalHours: 1 } }, { captureSeconds: 2, healthCheckSeconds: 1 });
    assert.equal(created.state, 'Inactive');
    assert.deepEqual(created.definition.retention, { intervalHours: 1, keep: { hourly: 48, daily: 7, weekly: 4, monthly: 12 }, pointInTimeHours: 24 });
    // Creating the job created its Schedules, paused until start.
    assert.equal(await scheduleState(scheduleIds.snapshot(jobId)), 'paused');
    assert.equal(await scheduleState(scheduleIds.groom(jobId)), 'paused');
    await assert.rejects(jobs.createJob({ jobId, source: 'source' }), IllegalTransition);
    await refusesIllegal(jobId);
    assert.equal((await deps.catalog.jobs.get(jobId)).state, 'Inactive');

    // start: Inactive -> Initial Sync -> Active by itself (sync, then follow from its consistent point).
    const started = await jobs.startJob(jobId, 'first backup');
    assert.equal(started.state, 'Initial Sync');
    assert.equal(started.syncNumber, 1);
    const syncing = await until('the sync in the status', () => jobs.jobStatus(jobId), (st) => st.sync !== undefined || st.state !== 'Initial Sync');
    if (syncing.state === 'Initial Sync') assert.ok(PHASES.includes(syncing.phase as never), `an Ops Manager phase: ${syncing.phase}`);
    await refusesIllegal(jobId);
    const active = await waitState(jobId, 'Active', (v) => v.phase === 'following');
    assert.ok(active.consistentAt);
    // The sync read one member, chosen by the default preference (FerretDB has no secondary: its one
    // member) and recorded with its plan; its follow reads that member too (the reference names the host).
    const member = new URL(services.source.uri).host;
    const plan = await deps.catalog.syncs.get(jobId, 1);
    assert.deepEqual([plan.member, plan.reads], [member, { mode: 'secondaryPreferred' }]);
    assert.ok((await historyText(t.client, workflowIds.tail(jobId))).includes(`source@${member}`), 'the follow reads the sync\'s member');
    // The job's status names that member and the preference that chose it; `job show` prints them.
    const shown = await jobs.jobStatus(jobId);
    assert.deepEqual(shown.syncSource, { syncNumber: 1, member, readPreference: plan.reads });
    assert.equal(shown.headSync, 1);
    const report = jobReport(shown);
    assert.ok(report.includes(`\n  sync 1 reads member ${member} (chosen by secondaryPreferred)\n`), report);
    assert.ok(report.includes(`\n  head: sync 1 (hw_${jobId}_1__*), consistent at ${shown.consistentAt}`), report);
    assert.equal(await scheduleState(scheduleIds.snapshot(jobId)), 'running');
    assert.equal(await scheduleState(scheduleIds.groom(jobId)), 'running');
    await refusesIllegal(jobId);
    const found = await until(
      'the job by HeadwaterState',
      async () => {
        const ids: string[] = [];
        for await (const w of t.client.workflow.list({ query: `HeadwaterState = 'Active' AND HeadwaterJobId = '${jobId}'` })) ids.push(w.workflowId);
        return ids;
      },
      (ids) => ids.length === 2,
    );
    assert.deepEqual(found.sort(), [workflowIds.job(jobId), workflowIds.tail(jobId)], 'the job and its follow child');

    // A write to the source reaches the head; the status shows the follow's lag and headroom.
    await source.db(db).collection('c').insertOne({ _id: 1000 as never, v: 'after sync' });
    const headColl = head.db(headDbName(jobId, 1, db)).collection('c');
    await until('the write on the head', () => headColl.countDocuments({ _id: 1000 as never }), (n) => n === 1);
    const status = await jobs.jobStatus(jobId);
    assert.ok(status.follow, 'following: the follow status is part of the job status');
    assert.equal(status.schedules.snapshot?.everyMs, 3_600_000);
    assert.equal(status.schedules.snapshot?.paused, false);

    // update while Active: the Schedules take the new interval, the groom its new retention and window,
    // the catalog the new definition.
    const updated = await jobs.updateJob(jobId, { intervalHours: 2, keep: { daily: 3 }, pointInTimeHours: 12 }, 'test');
    const retention = { intervalHours: 2, keep: { hourly: 48, daily: 3, weekly: 4, monthly: 12 }, pointInTimeHours: 12 };
    assert.deepEqual(updated.definition.retention, retention);
    const afterUpdate = await jobs.jobStatus(jobId);
    assert.equal(afterUpdate.schedules.snapshot?.everyMs, 7_200_000);
    assert.equal(afterUpdate.schedules.groom?.everyMs, 7_200_000);
    const groomAction = (await t.client.schedule.getHandle(scheduleIds.groom(jobId)).describe()).action;
    assert.deepEqual((groomAction.args as [{ policy: unknown }])[0].policy, retention, 'the next groom run applies the new retention and window');
    assert.equal((await deps.catalog.jobs.get(jobId)).definition.retention.keep.daily, 3);

    // The job's own headroom warning: a threshold above the current headroom (no load on the shared oplog)
    // raises it at the next check, with an event; lowering the threshold clears it at once.
    await jobs.updateJob(jobId, { headroomWarnSeconds: 1_000_000_000 });
    const warned = await until('the job headroom warning', () => jobs.view(jobId), (v) => v.headroom?.warning !== undefined);
    assert.match(warned.headroom!.warning!, /^oplog headroom is \d+s, below the job's threshold of 1000000000s/);
    assert.ok(warned.headroom!.since);
    assert.equal((await deps.catalog.events.list(jobId, 'headroom low')).length, 1);
    const cleared = await jobs.updateJob(jobId, { headroomWarnSeconds: 0 });
    assert.equal(cleared.headroom?.warning, undefined, 'the update reply already carries the cleared warning');
    assert.equal(cleared.headroom?.thresholdSeconds, 0);
    assert.equal((await deps.catalog.events.list(jobId, 'headroom recovered')).length, 1);
    await assert.rejects(
      t.client.workflow.getHandle(workflowIds.job(jobId)).executeUpdate(updateJobUpdate, { args: [{ definition: { ...updated.definition, source: 'tiny' } }] }),
      (err: Error) => /^job update may change only retention, resyncPolicy, headroomWarnSeconds/.test((err.cause as Error).message),
    );

    // The snapshot Schedule's run snapshots the head and tells the job.
    await t.client.schedule.getHandle(scheduleIds.snapshot(jobId)).trigger();
    // The newest snapshot comes from the catalog, the count from the job's own event: wait for both.
    const snapped = await until('a scheduled snapshot', () => jobs.view(jobId), (v) => v.lastSnapshot !== undefined && v.counters.snapshots > 0);
    assert.equal((await deps.catalog.snapshots.list(jobId)).length, 1);
    assert.equal(snapped.counters.snapshots, 1);
    // The window in the status: from the snapshot's second to the last second whose entries are all
    // captured; a tick written per probe gives capture entries of later seconds.
    const snapSecond = isoSecond(Number(snapped.lastSnapshot!.ts.split('.')[0]));
    const tick = async () => {
      await source.db(db).collection('ticks').insertOne({ at: new Date() });
      return jobs.jobStatus(jobId);
    };
    const windowed = await until('the window past the snapshot', tick, (st) => (st.window?.ranges[0]?.lastSecond ?? '') > snapSecond);
    const range = windowed.window!.ranges[0]!;
    assert.equal(windowed.window!.ranges.length, 1);
    assert.equal(range.firstSecond, snapSecond);
    assert.equal(windowed.window!.lastSnapshot?.snapshotId, snapped.lastSnapshot!.snapshotId);
    assert.ok(windowed.lastSnapshotAgeSeconds !== undefined && windowed.lastSnapshotAgeSeconds >= 0);
    const restorable = windowSummary(await restoreWindow(deps.catalog, jobId)).ranges[0]!;
    assert.equal(restorable.firstSecond, range.firstSecond, 'the status and the restore agree');
    assert.ok(compareTsString(restorable.to, range.to) >= 0, 'the window only grows');
    // The groom Schedule's run applies the job's retention (the one snapshot is the latest: kept).
    const groomSchedule = t.client.schedule.getHandle(scheduleIds.groom(jobId));
    await groomSchedule.trigger();
    // At least one: the interval may also fire on its own (every 2 h from the epoch) while the test runs.
    const groomRun = await until('a groom run', async () => (await groomSchedule.describe()).info.recentActions, (a) => a.length >= 1);
    const groomed = (await t.client.workflow.getHandle(groomRun.at(-1)!.action.workflow.workflowId).result()) as GroomResult;
    assert.deepEqual(groomed.expire.kept.map((k) => k.snapshotId), [snapped.lastSnapshot!.snapshotId]);

    // stop: the follow ends (nothing captured or applied), Schedules paused, snapshots kept.
    const stopped = await jobs.stopJob(jobId);
    assert.equal(stopped.state, 'Stopped');
    assert.equal((await t.client.workflow.getHandle(workflowIds.tail(jobId)).describe()).status.name, 'CANCELLED');
    assert.equal(await scheduleState(scheduleIds.snapshot(jobId)), 'paused');
    assert.equal(await scheduleState(scheduleIds.groom(jobId)), 'paused');
    assert.equal((await deps.catalog.snapshots.list(jobId)).length, 1);
    await refusesIllegal(jobId);
    await source.db(db).collection('c').insertOne({ _id: 1001 as never, v: 'while stopped' });
    // A trigger while Stopped is recorded and skipped, not a failure.
    await t.client.schedule.getHandle(scheduleIds.snapshot(jobId)).trigger();
    const skipped = await until('a skipped snapshot event', () => deps.catalog.events.list(jobId, 'snapshot skipped'), (e) => e.length === 1);
    assert.match(skipped[0]!.message, /skipped: job '.*' is Stopped/);
    assert.equal(await headColl.countDocuments({ _id: 1001 as never }), 0, 'Stopped applies nothing');

    // restart: a new initial sync (2), then Active; the head of sync 2 replaces sync 1's.
    const restarted = await jobs.restartJob(jobId);
    assert.equal(restarted.syncNumber, 2);
    assert.equal(restarted.headSync, 1, 'sync 1\'s head stays current until sync 2 completes');
    const restartedActive = await waitState(jobId, 'Active', (v) => v.phase === 'following');
    assert.equal(restartedActive.headSync, 2);
    assert.deepEqual(restartedActive.syncSource, { syncNumber: 2, member, readPreference: plan.reads });
    assert.equal(await scheduleState(scheduleIds.snapshot(jobId)), 'running');
    assert.equal(await head.db(headDbName(jobId, 2, db)).collection('c').countDocuments({ _id: 1001 as never }), 1);
    assert.deepEqual((await listHeadDatabases(head, jobId)).map((d) => d.syncNumber), [2]);

    // stop, terminate: snapshots, slices, sync records, head and Schedules are gone; Inactive again.
    // A stop retried with its request id replies as the first did and runs nothing again.
    const first = await jobs.command(jobId, 'stop', 'retried', `stop-${jobId}`);
    const retried = await jobs.command(jobId, 'stop', 'retried', `stop-${jobId}`);
    assert.deepEqual(retried, first);
    // Only the job carries a state now: its two completed syncs and its cancelled follow dropped theirs
    // when they ended, so `HeadwaterState = 'Active'` no longer finds the stopped job's follow.
    const stateful = await until(
      'the ended children to drop HeadwaterState',
      async () => {
        const found: string[] = [];
        for await (const w of t.client.workflow.list({ query: `HeadwaterJobId = '${jobId}'` })) {
          const state = w.typedSearchAttributes.get(StateKey);
          if (state !== undefined) found.push(`${w.workflowId}=${state}`);
        }
        return found;
      },
      (found) => found.length === 1,
      30_000,
    );
    assert.deepEqual(stateful, [`${workflowIds.job(jobId)}=Stopped`]);
    assert.ok((await deps.catalog.slices.countStream(jobId, 'oplog')) > 0);
    // Another job's manifest in the same store names a chunk of its own: terminate's sweep must keep it.
    const store = deps.store('default');
    const [snap] = await deps.catalog.snapshots.list(jobId);
    const mine = manifestChunkIds(await readManifest(store, snap!.manifestKey));
    const theirs = Buffer.from(`a chunk of another job ${jobId}`);
    const theirsId = createHash('sha256').update(theirs).digest('hex');
    await store.put(chunkKey(theirsId), theirs);
    const theirManifest = await readManifest(store, snap!.manifestKey);
    const otherJob = `${jobId}-other`;
    theirManifest.collections = theirManifest.collections.slice(0, 1).map((c) => ({ ...c, chunks: [{ id: theirsId, bytes: theirs.length }] }));
    await store.put(snap!.manifestKey.replace(`manifests/${jobId}/`, `manifests/${otherJob}/`), serializeManifest({ ...theirManifest, jobId: otherJob }));
    assert.deepEqual(await chunkIdsIn(store), new Set([...mine, theirsId]), 'before terminate: the job\'s chunks and the other job\'s');
    const terminated = await jobs.terminateJob(jobId, 'test');
    assert.equal(terminated.state, 'Inactive');
    assert.equal(terminated.lastSnapshot, undefined);
    assert.deepEqual([terminated.headSync, terminated.syncSource], [undefined, undefined], 'no head, no sync after terminate');
    assert.deepEqual(await deps.catalog.snapshots.list(jobId), []);
    assert.equal(await deps.catalog.db.collection('slices').countDocuments({ jobId }), 0);
    assert.equal(await deps.catalog.db.collection('syncs').countDocuments({ jobId }), 0);
    assert.deepEqual(await listHeadDatabases(head, jobId), []);
    // The job's chunks are swept (its groom Schedule is gone: nothing else would); the other job's chunk stays.
    assert.deepEqual(await chunkIdsIn(store), new Set([theirsId]), 'after terminate: only the chunk another job names');
    const [termination] = await deps.catalog.events.list(jobId, 'terminated');
    const swept = (termination!.details as { sweeps?: Record<string, SweepResult> }).sweeps?.default;
    assert.deepEqual([swept?.status, swept?.chunksDeleted], ['swept', mine.size], 'the terminated event says what the sweep did');
    assert.equal(await scheduleState(scheduleIds.snapshot(jobId)), 'absent');
    assert.equal(await scheduleState(scheduleIds.groom(jobId)), 'absent');
    await refusesIllegal(jobId);

    // start again, then stop during the initial sync: the sync is cancelled, the job Stopped.
    const again = await jobs.startJob(jobId);
    assert.equal(again.syncNumber, 3);
    // The sync child starts once its member is chosen: stop it once it runs.
    const sync3Handle = t.client.workflow.getHandle(workflowIds.initialSync(jobId, 3));
    await until('sync 3 running', () => sync3Handle.describe(), (d) => d.status.name === 'RUNNING');
    const stoppedInSync = await jobs.stopJob(jobId);
    assert.equal(stoppedInSync.state, 'Stopped');
    const sync3 = await sync3Handle.describe();
    assert.equal(sync3.status.name, 'CANCELLED');

    // Payloads name connections by id: no URI appears in any history of the job's workflows.
    const ran: string[] = [];
    for await (const w of t.client.workflow.list({ query: `WorkflowId STARTS_WITH 'job/${jobId}'` })) ran.push(w.workflowId);
    // The job, its follow, three syncs, a scheduled snapshot and its snapshot child, two scheduled runs skipped or not.
    assert.ok(ran.length >= 6, ran.join(', '));
    for (const id of ran) assert.doesNotMatch(await historyText(t.client, id), /mongodb:\/\//, id);

    // Accepted updates are in history; refused ones never reached it.
    const history = await t.client.workflow.getHandle(workflowIds.job(jobId)).fetchHistory();
    const accepted = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes != null).length;
    assert.equal(accepted, (await jobs.view(jobId)).counters.commands);
    const kinds = (await deps.catalog.events.list(jobId)).map((e) => e.kind);
    assert.ok(kinds.includes('created') && kinds.includes('terminated'));
  });

  it('moves to "backup requires a resync" with the missing range when the oplog rolls over, and resync makes head == source; continue-as-new keeps state', async () => {
    const jobId = newJobId('br');
    const autoId = newJobId('ba');
    jobIds.push(jobId, autoId);
    const db = 'app';
    const src = new Mongo(tiny.uri);
    try {
      await src.db(db).collection('c').insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i, v: i })) as never[]);
      await jobs.createJob({ jobId, source: 'tiny', filter: { include: [db] }, headroomWarnSeconds: 1_000_000 }, { continueAsNewAfterEvents: 40, captureSeconds: 2 });
      // A second job on the same source resyncs by itself.
      await jobs.createJob({ jobId: autoId, source: 'tiny', filter: { include: [db] }, resyncPolicy: 'auto' }, { captureSeconds: 2 });
      await Promise.all([jobs.startJob(jobId), jobs.startJob(autoId)]);
      const active = await waitState(jobId, 'Active', (v) => v.phase === 'following');
      await waitState(autoId, 'Active', (v) => v.phase === 'following');
      // Headroom below the job's threshold shows as a warning before any rollover.
      const warned = await until('a headroom warning', () => jobs.jobStatus(jobId), (st) => (st.follow?.warnings.length ?? 0) > 0);
      assert.match(warned.follow!.warnings[0]!, /^oplog headroom is \d+s, below 1000000s/);
      // A snapshot before the rollover: the job must keep it, and its window, while it waits for resync.
      await t.client.schedule.getHandle(scheduleIds.snapshot(jobId)).trigger();
      const snapped = await until('a snapshot before the rollover', () => jobs.view(jobId), (v) => v.lastSnapshot !== undefined);

      // The worker goes away; the oplog is flooded far past its 64 KiB and trimmed; writes to the job's
      // database are among the lost entries.
      await stopWorker();
      for (let i = 0; i < 600; i += 1) {
        await src.db('noise').collection('c').insertOne({ i, pad: 'x'.repeat(500) });
        if (i % 100 === 0) await src.db(db).collection('c').insertOne({ _id: 1000 + i, v: 'lost to capture' } as never);
      }
      await sleep(2500);
      await startWorker();

      const rolled = await waitState(jobId, 'Active', (v) => v.condition === 'backup requires a resync');
      assert.equal(rolled.phase, 'backup requires a resync');
      assert.match(rolled.resyncRequired!.message, /^backup requires a resync: /);
      assert.match(rolled.resyncRequired!.missingFrom ?? '', /^\d+\.\d+$/);
      assert.deepEqual(rolled.allowed, ['stop', 'resync']);
      // The catalog mirror is written just after the state changes in the workflow.
      await until('the condition in the catalog', () => deps.catalog.jobs.get(jobId), (r) => r.condition === 'backup requires a resync');
      assert.equal((await deps.catalog.events.list(jobId, 'resync required')).length, 1);
      await refusesIllegal(jobId);
      // The snapshot and the window that starts at it are kept while the job waits for resync.
      const snapTs = snapped.lastSnapshot!.ts;
      assert.deepEqual((await deps.catalog.snapshots.list(jobId)).map((x) => tsToString(x.ts)), [snapTs]);
      const kept = await jobs.restoreWindow(jobId);
      assert.equal(kept.snapshots, 1);
      assert.equal(kept.ranges.length, 1, JSON.stringify(kept));
      assert.equal(kept.ranges[0]!.from, snapTs, 'the window starts at the kept snapshot');
      assert.ok(compareTsString(kept.ranges[0]!.to, snapTs) >= 0);
      assert.equal((await jobs.view(jobId)).condition, 'backup requires a resync');

      // resyncPolicy auto: the other job records that it resynced by itself, and is Active on sync 2.
      const auto = await waitState(autoId, 'Active', (v) => v.syncNumber === 2 && v.phase === 'following');
      assert.equal(auto.condition, undefined);
      assert.equal(auto.counters.autoResyncs, 1);
      assert.equal((await deps.catalog.events.list(autoId, 'auto resync')).length, 1);
      assert.deepEqual(await digest(head, headDbName(autoId, 2, db), 'c'), await digest(src, db, 'c'));

      const oldHead = await digest(head, headDbName(jobId, 1, db), 'c');
      const resync = await jobs.resyncJob(jobId);
      assert.equal(resync.state, 'Initial Sync');
      assert.equal(resync.headSync, 1);
      // The resync builds head 2 beside head 1 and switches only when it is complete. While it runs (past
      // building: head 2 exists; its capture calls keep it from completing for seconds yet) the job still
      // names head 1, whose database keeps its documents.
      const midSync = await until('sync 2 past building', () => jobs.jobStatus(jobId), (st) => st.syncNumber === 2 && ['applying oplogs', 'fetching missing documents', 'creating indexes'].includes(st.sync?.phase ?? ''));
      assert.equal(midSync.headSync, 1);
      assert.match(jobReport(midSync), new RegExp(`\\n  head: sync 1 \\(hw_${jobId}_1__\\*\\), consistent at ${active.consistentAt}; sync 2 builds its head beside it\\n`));
      assert.deepEqual((await listHeadDatabases(head, jobId)).map((d) => d.syncNumber).sort(), [1, 2], 'head 2 is built beside head 1');
      assert.deepEqual(await digest(head, headDbName(jobId, 1, db), 'c'), oldHead, 'head 1 keeps its documents during the resync');
      // Read after the databases: the job still named head 1 (and was still syncing) when they were checked.
      const stillSyncing = await jobs.view(jobId);
      assert.deepEqual([stillSyncing.state, stillSyncing.headSync, stillSyncing.consistentAt], ['Initial Sync', 1, active.consistentAt]);
      const back = await waitState(jobId, 'Active', (v) => v.phase === 'following' && v.syncNumber === 2);
      assert.equal(back.condition, undefined);
      // Complete: the job names head 2 and sync 2's member; head 1 is dropped.
      assert.equal(back.headSync, 2);
      assert.deepEqual(back.syncSource, { syncNumber: 2, member: new URL(tiny.uri).host, readPreference: { mode: 'secondaryPreferred' } });
      assert.deepEqual((await listHeadDatabases(head, jobId)).map((d) => d.syncNumber), [2], 'head 1 is dropped at the switch');
      assert.deepEqual(await digest(head, headDbName(jobId, 2, db), 'c'), await digest(src, db, 'c'));
      assert.equal(await src.db(db).collection('c').countDocuments(), 106);

      // continue-as-new happened (a small threshold) and carried the state, definition and counters.
      const h = t.client.workflow.getHandle(workflowIds.job(jobId));
      // Counters, not run ids: the job may continue-as-new before any run id could be read.
      const now = await until('a continue-as-new', () => jobs.view(jobId), (v) => v.counters.continuedAsNew >= 1);
      const [started] = (await h.fetchHistory()).events ?? [];
      assert.ok(started?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId, 'the current run was continued from an earlier one');
      assert.equal(now.definition.source, 'tiny');
      assert.equal(now.syncNumber, 2);
      assert.deepEqual([now.headSync, now.syncSource], [2, back.syncSource], 'the head and the member are carried');
      assert.ok(now.counters.commands >= 2 && now.counters.syncs === 2, JSON.stringify(now.counters));
      assert.equal(active.definition.retention.intervalHours, 6);
      assert.deepEqual(now.definition.retention.keep, { hourly: 48, daily: 7, weekly: 4, monthly: 12 });
      // And the job still follows after it: a write reaches the head.
      await src.db(db).collection('c').insertOne({ _id: 5000, v: 'after resync' } as never);
      await until('the write on the new head', () => head.db(headDbName(jobId, 2, db)).collection('c').countDocuments({ _id: 5000 as never }), (n) => n === 1);
    } finally {
      await src.close();
    }
  });

  it('refuses a command to a job that does not exist with NotFound', async () => {
    await assert.rejects(jobs.startJob('no-such-job'), (err: unknown) => err instanceof NotFound && /job 'no-such-job' does not exist/.test(err.message));
  });
});
