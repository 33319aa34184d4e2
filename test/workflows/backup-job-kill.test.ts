/**
 * The backup job survives its worker being SIGKILLed mid-transition: during the initial sync that `start`
 * began (the job still reaches Active by itself), and inside `stop` while it waits for the follow to end
 * (the replayed update handler finishes the stop). The worker is the real one (src/worker/main.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobClient } from '../../src/client/job-client.js';
import type { JobView } from '../../src/contracts/job.js';
import { headDbName } from '../../src/head/head-names.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { forgetJob } from '../harness/catalog.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { connectTemporal } from '../harness/temporal.js';
import { WorkerProcess, writeWorkerConfig } from '../harness/worker-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('backup job under worker SIGKILLs (real worker process)', () => {
  const source = mongoClient('source');
  const head = mongoClient('head');
  const cfg = writeWorkerConfig(uniqueName('hw-jobkill'));
  const worker = new WorkerProcess(cfg);
  const jobId = uniqueName('k').replace(/_/g, '-').slice(0, 18);
  const db = uniqueName('bk');
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let jobs: JobClient;

  /** Waits on the job's own answer (a query), so each step starts as soon as the job got there. */
  async function until(what: string, ok: (v: JobView) => boolean, ms = 120_000): Promise<JobView> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await jobs.view(jobId).catch(() => undefined);
      if (v !== undefined && ok(v)) return v;
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
      await sleep(200);
    }
  }

  before(async () => {
    t = await connectTemporal();
    jobs = new JobClient(t.client, cfg.taskQueue);
    await source.db(db).collection('c').insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, v: i })) as never[]);
    await worker.start();
  });
  after(async () => {
    for (const id of [workflowIds.job(jobId), workflowIds.tail(jobId)]) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) await t.client.schedule.getHandle(id).delete().catch(() => undefined);
    await worker.stop();
    for (const d of await listHeadDatabases(head, jobId)) await head.db(d.name).dropDatabase();
    await forgetJob(head, jobId);
    await source.db(db).dropDatabase();
    await Promise.all([source.close(), head.close(), t.connection.close()]);
  });

  it('reaches Active after a kill during the initial sync, and ends a stop that a kill interrupted', async () => {
    await jobs.createJob({ jobId, source: 'source', filter: { include: [db] } }, { captureSeconds: 2 });
    const started = await jobs.startJob(jobId);
    assert.equal(started.state, 'Initial Sync');
    const sync = t.client.workflow.getHandle(workflowIds.initialSync(jobId, 1));
    for (let i = 0; i < 100 && (await sync.describe().catch(() => undefined)) === undefined; i += 1) await sleep(50);
    assert.equal((await sync.describe()).status.name, 'RUNNING', 'the kill lands during the sync');
    await worker.restart();
    const active = await until('Active after the kill', (v) => v.state === 'Active' && v.phase === 'following');
    assert.equal(active.syncNumber, 1, 'the same sync went on; no second one was started');
    assert.equal(await head.db(headDbName(jobId, 1, db)).collection('c').countDocuments(), 300);

    // The stop is accepted and waits for the follow to end; the worker dies right then.
    const stopping = jobs.stopJob(jobId, 'kill test');
    await until('the stop under way', (v) => v.phase === 'stopping' || v.state === 'Stopped');
    await worker.restart();
    const stopped = await stopping;
    assert.equal(stopped.state, 'Stopped');
    assert.equal((await t.client.workflow.getHandle(workflowIds.tail(jobId)).describe()).status.name, 'CANCELLED');
    assert.equal((await t.client.schedule.getHandle(scheduleIds.snapshot(jobId)).describe()).state.paused, true);
    assert.equal(stopped.counters.commands, 2, 'the replayed stop ran once');
  });
});
