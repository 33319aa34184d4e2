/**
 * The Temporal UI, in headless Chromium: a job this test creates and starts (a tiny database, an
 * in-process worker on its own task queue) is found in the dev server's UI by its HeadwaterJobId, with
 * its workflows (the job and its initial sync) listed, and its state and phase shown among the job's
 * search attributes. The job does not need to finish its sync for that: the test ends it once seen.
 * The screenshot goes to a temporary directory, or to docs/temporal-ui.png with HW_UPDATE_SCREENSHOT=1
 * (so a test run leaves the tree unchanged).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import { JobClient } from '../../src/client/job-client.js';
import { parseConfig } from '../../src/config/load.js';
import { dropHeadDatabases } from '../../src/job/head-databases.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { checkTemporalUi } from './temporal-ui.js';

describe('Temporal UI (headless Chromium on the dev server)', () => {
  const taskQueue = uniqueName('hw-ui');
  const jobId = uniqueName('ui').replace(/_/g, '-').slice(0, 18);
  const db = uniqueName('hw_ui');
  const catalogDb = uniqueName('hw_cat_ui');
  const source = mongoClient('source');
  const head = mongoClient('head');
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let deps: Deps;
  let worker: Worker;
  let running: Promise<void>;
  let dir: string;

  before(async () => {
    t = await connectTemporal();
    native = await nativeConnection();
    const workflowBundle = await bundle(workflowsPath);
    dir = await mkdtemp(join(tmpdir(), 'hw-ui-'));
    deps = createDeps(
      parseConfig({
        temporal: { address: services.temporal.address, taskQueue },
        catalog: { connection: 'head', database: catalogDb },
        connections: { source: { uri: services.source.uri }, head: { uri: services.head.uri } },
        stores: { default: { type: 'fs', path: join(dir, 'store') } },
        metrics: { port: 0 },
      }),
    );
    worker = await createWorker({ connection: native, taskQueue, workflowBundle, activities: createActivities(deps) });
    running = worker.run();
    await source.db(db).collection('orders').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, total: i * 2 })) as never[]);
  });
  after(async () => {
    for (const id of [workflowIds.job(jobId), workflowIds.initialSync(jobId, 1), workflowIds.tail(jobId)]) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) await t.client.schedule.getHandle(id).delete().catch(() => undefined);
    worker?.shutdown();
    await running;
    await dropHeadDatabases(head, jobId);
    await Promise.all([source.db(db).dropDatabase(), head.db(catalogDb).dropDatabase()]);
    await deps?.close();
    await Promise.all([source.close(), head.close(), native?.close(), t?.connection.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("finds the job by HeadwaterJobId, lists its workflows, and shows its state and phase", async () => {
    const jobs = new JobClient(t.client, taskQueue);
    await jobs.createJob({ jobId, source: 'source', filter: { include: [db] } });
    await jobs.startJob(jobId, 'ui test');
    const shot = join(dir, 'temporal-ui.png');
    const seen = await checkTemporalUi({ jobId, expected: [workflowIds.job(jobId), workflowIds.initialSync(jobId, 1)], screenshot: shot });
    for (const id of [workflowIds.job(jobId), workflowIds.initialSync(jobId, 1)]) assert.ok(seen.listed.includes(id), `the UI lists ${id}: ${seen.listed.join(', ')}`);
    assert.ok(seen.listed.every((id) => id.startsWith(`job/${jobId}`)), `only the job's workflows: ${seen.listed.join(', ')}`);
    assert.match(seen.searchAttributes, new RegExp(`"HeadwaterJobId": "${jobId}"`));
    assert.match(seen.searchAttributes, /"HeadwaterState": "(Initial Sync|Active)"/);
    assert.match(seen.searchAttributes, /"HeadwaterPhase": "(initial sync|following)"/);
    if (process.env.HW_UPDATE_SCREENSHOT === '1') await copyFile(shot, 'docs/temporal-ui.png');
  });
});
