import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { MongoClient, type Timestamp } from 'mongodb';
import { createActivities } from '../../src/activities/index.js';
import { JobClient } from '../../src/client/job-client.js';
import { parseConfig } from '../../src/config/load.js';
import { compareTsString, type SyncProgress } from '../../src/contracts/initial-sync.js';
import { RESYNC_REQUIRED } from '../../src/contracts/job.js';
import { tsFromString, tsToString } from '../../src/lib/bson.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { headDbName } from '../../src/head/head-names.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { forgetJob } from '../harness/catalog.js';
import { digest } from '../harness/compare.js';
import { startFerret } from '../harness/ferret.js';
import { services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { TcpProxy } from '../harness/tcp-proxy.js';
import { until } from '../harness/until.js';

describe('oplog rollover', () => {
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let deps: Deps;
  let tiny: Awaited<ReturnType<typeof startFerret>>;
  let link: TcpProxy;
  const jobs: string[] = [];

  before(async () => {
    t = await connectTemporal();
    native = await nativeConnection();
    // A source whose oplog holds ~64 KiB and is trimmed every second: easy to outpace.
    tiny = await startFerret({ oplogBytes: 64 * 1024, cappedCleanupSeconds: 1 });
    link = new TcpProxy(tiny.port);
    await link.start();
    deps = createDeps(
      parseConfig({
        // The job's activities reach Temporal (its Schedules) and the default catalog on the head.
        temporal: { address: services.temporal.address },
        // The sync test reads `tinyLink`, through a proxy it cuts while the oplog rolls past T0.
        connections: { head: { uri: services.head.uri }, tiny: { uri: tiny.uri }, tinyLink: { uri: `mongodb://127.0.0.1:${link.port}/?directConnection=true` } },
        stores: { default: { type: 'fs', path: `/tmp/${uniqueName('hw-store')}` } },
        metrics: { port: 0 },
      }),
    );
  });
  after(async () => {
    const head = new MongoClient(services.head.uri);
    for (const jobId of jobs) {
      // The job test's job, its follow and its Schedules; nothing for the others.
      for (const id of [workflowIds.job(jobId), workflowIds.tail(jobId)]) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
      for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) await t.client.schedule.getHandle(id).delete().catch(() => undefined);
      for (const db of await listHeadDatabases(head, jobId)) await head.db(db.name).dropDatabase();
      await forgetJob(head, jobId);
    }
    await head.close();
    await deps.close();
    await link.close();
    await tiny.stop();
    await native.close();
    await t.connection.close();
  });

  it('reports "backup requires a resync" with the missing range when the oplog outran a paused capture', async () => {
    const client = new MongoClient(tiny.uri);
    await client.db('app').collection('c').insertOne({ first: true });
    const [anchor] = await client
      .db('local')
      .collection('oplog.rs')
      .find()
      .sort({ $natural: -1 })
      .limit(1)
      .toArray();
    const capturedThrough = tsToString(anchor!.ts as Timestamp);
    // Capture is not running; a writer fills the oplog many times over, and cleanup trims it.
    for (let i = 0; i < 600; i += 1)
      await client
        .db('app')
        .collection('c')
        .insertOne({ i, pad: 'x'.repeat(500) });
    await new Promise((r) => setTimeout(r, 2500));
    await client.close();

    const taskQueue = uniqueName('hw-roll');
    const jobId = uniqueName('r').replace(/_/g, '-').slice(0, 20);
    jobs.push(jobId);
    const worker = await createWorker({
      connection: native,
      taskQueue,
      workflowBundle: await bundle(workflowsPath),
      activities: createActivities(deps),
    });
    const err = await worker.runUntil(
      t.client.workflow
        .execute('follow', {
          taskQueue,
          workflowId: `job/${jobId}/tail`,
          args: [
            {
              jobId,
              syncNumber: 1,
              source: 'tiny',
              capturedThrough,
              appliedThrough: capturedThrough,
              captureSeconds: 2,
            },
          ],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    assert.ok(err instanceof WorkflowFailedError);
    const cause = (err.cause as { cause?: unknown })?.cause ?? err.cause;
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'OplogRolledOver');
    assert.equal(cause.nonRetryable, true);
    assert.match(cause.message, /^backup requires a resync: /);
    assert.match(cause.message, new RegExp(`no longer holds ${capturedThrough.replace('.', '\\.')}`));
    assert.match(cause.message, /oldest entry is now \d+\.\d+/);
    const slices = await deps.catalog.slices.oplog(jobId);
    assert.equal(slices.length, 0, 'nothing was captured past the gap');
  });

  it('ends an initial sync whose capture the oplog outran with OplogRolledOver, instead of hanging', async () => {
    const client = new MongoClient(tiny.uri);
    await client.db('sync').collection('c').insertMany(Array.from({ length: 200 }, (_, i) => ({ i })));
    const taskQueue = uniqueName('hw-roll-sync');
    const jobId = uniqueName('rs').replace(/_/g, '-').slice(0, 20);
    jobs.push(jobId);
    const worker = await createWorker({ connection: native, taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    const outcome = await worker.runUntil(async () => {
      const handle = await t.client.workflow.start('initialSync', {
        taskQueue,
        workflowId: `job/${jobId}/initial-sync/1`,
        args: [{ jobId, source: 'tinyLink', filter: { include: ['sync'] } }],
      });
      // Once T0 is recorded, the worker's link to the source is cut while writes to another database roll
      // the 64 KiB oplog past T0 (seen on the source itself), then restored: the capture can only find T0
      // gone. Racing the capture with writes alone, a loaded machine sometimes wrote slower than the
      // capture read, and the sync completed.
      let t0: string | undefined;
      while ((t0 = (await handle.query<SyncProgress>('progress')).t0) === undefined) await new Promise((r) => setTimeout(r, 50));
      await rollPastWithLinkCut(client, link, t0);
      // The old code failed a workflow task over and over instead: give it a bound, then say which.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 60_000)));
      const result = await Promise.race([handle.result().then(() => 'completed' as const, (e: unknown) => e), timeout]);
      // Left running, the timer kept this file's process alive for the rest of its minute.
      clearTimeout(timer);
      if (result === 'hung') await handle.terminate('the sync hung after its capture failed');
      return result;
    });
    await client.close();
    assert.ok(outcome instanceof WorkflowFailedError, `the sync ${String(outcome)}`);
    const cause = (outcome.cause as { cause?: unknown })?.cause ?? outcome.cause;
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'OplogRolledOver');
    assert.match(cause.message, /^backup requires a resync: /);
  });

  it('a job whose initial sync the oplog outran waits with "backup requires a resync" and the missing range; resync brings it back', async () => {
    const client = new MongoClient(tiny.uri);
    const db = 'jsync';
    await client.db(db).collection('c').insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, v: i })) as never[]);
    const taskQueue = uniqueName('hw-roll-job');
    const jobId = uniqueName('rj').replace(/_/g, '-').slice(0, 20);
    jobs.push(jobId);
    const jobClient = new JobClient(t.client, taskQueue);
    const worker = await createWorker({ connection: native, taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    try {
      await worker.runUntil(async () => {
        await jobClient.createJob({ jobId, source: 'tinyLink', filter: { include: [db] } }, { captureSeconds: 2 });
        await jobClient.startJob(jobId);
        // As in the sync test above: once sync 1 has recorded T0, the link is cut while the oplog rolls past T0.
        const sync1 = t.client.workflow.getHandle(workflowIds.initialSync(jobId, 1));
        const t0 = (await until('T0 of sync 1', () => sync1.query<SyncProgress>('progress'), (p) => p.t0 !== undefined, { pauseMs: 50 })).t0!;
        await rollPastWithLinkCut(client, link, t0);

        // The job waits for a resync (Active with the condition), with the range from the capture's failure;
        // it did not stop, and its Schedules stay as they were (not paused as for a failed sync).
        const rolled = await until('the resync condition', () => jobClient.view(jobId), (v) => v.condition === RESYNC_REQUIRED || v.state === 'Stopped', { timeoutMs: 120_000 });
        assert.equal(rolled.state, 'Active', JSON.stringify(rolled.lastError));
        assert.deepEqual([rolled.phase, rolled.syncNumber, rolled.lastError, rolled.allowed], [RESYNC_REQUIRED, 1, undefined, ['stop', 'resync']]);
        assert.match(rolled.resyncRequired!.message, /^backup requires a resync: the source oplog no longer holds /);
        const { missingFrom, oldestAvailable } = rolled.resyncRequired!;
        assert.ok(missingFrom !== undefined && compareTsString(missingFrom, t0) >= 0, `missing from ${missingFrom}, T0 ${t0}`);
        assert.ok(typeof oldestAvailable === 'string' && compareTsString(oldestAvailable, missingFrom) > 0, `oldest ${oldestAvailable}`);
        assert.equal((await sync1.describe()).status.name, 'FAILED');
        await until('the condition in the catalog', () => deps.catalog.jobs.get(jobId), (r) => r.condition === RESYNC_REQUIRED);
        assert.equal((await deps.catalog.events.list(jobId, 'resync required')).length, 1);
        assert.equal((await deps.catalog.events.list(jobId, 'failed')).length, 0);
        assert.equal((await t.client.schedule.getHandle(scheduleIds.snapshot(jobId)).describe()).state.paused, false);

        // resync: sync 2 through the restored link, then the follow; the head equals the source.
        const resync = await jobClient.resyncJob(jobId);
        assert.deepEqual([resync.state, resync.syncNumber], ['Initial Sync', 2]);
        const back = await until('Active on sync 2', () => jobClient.view(jobId), (v) => v.state === 'Active' && v.phase === 'following', { timeoutMs: 120_000 });
        assert.deepEqual([back.syncNumber, back.headSync, back.condition, back.resyncRequired], [2, 2, undefined, undefined]);
        assert.deepEqual(await digest(deps.connections.client('head'), headDbName(jobId, 2, db), 'c'), await digest(client, db, 'c'));
        // Stopped before the worker goes: the follow and its watch end now, not when the worker's shutdown cancels them.
        assert.equal((await jobClient.stopJob(jobId)).state, 'Stopped');
      });
    } finally {
      await client.close();
    }
  });
});

/**
 * Cuts the worker's link to the source while writes to another database roll the tiny oplog past `t0`
 * (seen on the source itself), then restores it: the capture can only find `t0` gone.
 */
async function rollPastWithLinkCut(client: MongoClient, link: { cutLink(): void; restore(): void }, t0: string): Promise<void> {
  link.cutLink();
  const oplog = client.db('local').collection('oplog.rs');
  for (let b = 0; (await oplog.countDocuments({ ts: { $lte: tsFromString(t0) } })) > 0; b += 1) {
    assert.ok(b < 600, 'the oplog never rolled past T0');
    await client.db('noise').collection('c').insertMany(Array.from({ length: 50 }, (_, i) => ({ i: b * 50 + i, pad: 'x'.repeat(2000) })));
  }
  link.restore();
}
