/**
 * Two workers on one task queue, as docs/operations.md tells operators to run them: when one is SIGKILLed
 * the other carries the job on, with nobody restarting anything. Each worker is killed once in turn; a
 * spare joins between the kills (as an operator's would), so that one is always left, and the second kill
 * hits the worker that ran every activity of the job alone until a moment before. After each kill a write
 * made on the source reaches the head; at the end the slices are one chain and head == source.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Catalog } from '../../src/catalog/catalog.js';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import { JobClient } from '../../src/client/job-client.js';
import { headDbName } from '../../src/head/head-names.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { forgetJob } from '../harness/catalog.js';
import { digest } from '../harness/compare.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { connectTemporal } from '../harness/temporal.js';
import { until } from '../harness/until.js';
import { WorkerProcess, writeWorkerConfig } from '../harness/worker-process.js';

describe('backup job on two workers of one task queue (real worker processes)', () => {
  const source = mongoClient('source');
  const head = mongoClient('head');
  const cfg = writeWorkerConfig(uniqueName('hw-workers'));
  const workers = [new WorkerProcess(cfg), new WorkerProcess(cfg), new WorkerProcess(cfg)];
  const jobId = uniqueName('w').replace(/_/g, '-').slice(0, 18);
  const db = uniqueName('bw');
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let jobs: JobClient;

  const onHead = (id: number) =>
    until(
      `document ${id} on the head`,
      () => head.db(headDbName(jobId, 1, db)).collection('c').countDocuments({ _id: id as never }),
      (n) => n === 1,
      { timeoutMs: 180_000 },
    );

  before(async () => {
    t = await connectTemporal();
    jobs = new JobClient(t.client, cfg.taskQueue);
    await source.db(db).collection('c').insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, v: i })) as never[]);
    await Promise.all([workers[0]!.start(), workers[1]!.start()]);
  });
  after(async () => {
    for (const id of [workflowIds.job(jobId), workflowIds.tail(jobId)]) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) await t.client.schedule.getHandle(id).delete().catch(() => undefined);
    await Promise.all(workers.map((w) => w.stop()));
    for (const d of await listHeadDatabases(head, jobId)) await head.db(d.name).dropDatabase();
    await forgetJob(head, jobId);
    await source.db(db).dropDatabase();
    await Promise.all([source.close(), head.close(), t.connection.close()]);
  });

  it('carries on after each worker is SIGKILLed in turn, with no restart of the killed one', async () => {
    await jobs.createJob({ jobId, source: 'source', filter: { include: [db] } }, { captureSeconds: 2 });
    await jobs.startJob(jobId);
    await until('Active and following', () => jobs.view(jobId), (v) => v.state === 'Active' && v.phase === 'following', { timeoutMs: 180_000 });
    await source.db(db).collection('c').insertOne({ _id: 1000 as never, v: 'both workers up' });
    await onHead(1000);

    await workers[0]!.kill();
    await source.db(db).collection('c').insertOne({ _id: 1001 as never, v: 'first worker killed' });
    await onHead(1001);

    // Only the second worker is left, so it runs the capture and apply now; the spare joins, then the
    // second worker dies holding them.
    await workers[2]!.start();
    await workers[1]!.kill();
    await source.db(db).collection('c').insertOne({ _id: 1002 as never, v: 'second worker killed' });
    await onHead(1002);

    const view = await jobs.view(jobId);
    assert.equal(view.state, 'Active');
    assert.equal(view.syncNumber, 1, 'no resync, no new sync');
    const coverage = await checkJobCoverage(new Catalog(head, 'headwater'), jobId, 1);
    assert.ok(coverage.ok, `one chain without holes or overlaps: ${JSON.stringify(coverage)}`);
    const [got, want] = await Promise.all([digest(head, headDbName(jobId, 1, db), 'c'), digest(source, db, 'c')]);
    assert.equal(got.duplicates, 0);
    assert.deepEqual(got, want);
  });
});
