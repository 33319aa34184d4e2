/**
 * The headroom warning as a search attribute: a visibility query (what `temporal workflow list --query`
 * and the Temporal UI run) finds a job whose oplog headroom is below its threshold by
 * `HeadwaterHealth='headroom low'`, and no longer once the warning clears. Real dev server, real worker
 * and job on the shared FerretDB source.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import type { Deps } from '../../src/activities/deps.js';
import { JobClient } from '../../src/client/job-client.js';
import { loadConfig } from '../../src/config/load.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import { createDeps } from '../../src/worker/deps.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { HEALTH, HealthKey } from '../../src/workflows/search-attributes.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { until } from '../harness/until.js';
import { writeWorkerConfig, type WorkerConfig } from '../harness/worker-process.js';

describe('HeadwaterHealth search attribute (dev server, real worker and job)', () => {
  const jobId = uniqueName('hh').replace(/_/g, '-').slice(0, 18);
  const db = uniqueName('hh');
  const catalogDb = uniqueName('hw_cat_hh');
  const head = mongoClient('head');
  const source = mongoClient('source');
  let cfg: WorkerConfig;
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let deps: Deps;
  let worker: Worker;
  let running: Promise<void>;

  /** The workflow ids a visibility query finds among this job's workflows. */
  const found = async (health: string): Promise<string[]> => {
    const ids: string[] = [];
    const query = `${HealthKey.name} = '${health}' AND HeadwaterJobId = '${jobId}'`;
    for await (const w of t.client.workflow.list({ query })) ids.push(w.workflowId);
    return ids;
  };

  before(async () => {
    t = await connectTemporal();
    const registered = await t.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    assert.ok(
      registered.customAttributes?.[HealthKey.name] !== undefined,
      `search attribute ${HealthKey.name} is not registered on the dev server: HW_SEARCH_ATTRIBUTES (scripts/service-env.sh) must list ${HealthKey.name}=Keyword`,
    );
    cfg = writeWorkerConfig(uniqueName('hw-hh'), {}, { catalog: { connection: 'head', database: catalogDb } });
    deps = createDeps(loadConfig({ HEADWATER_CONFIG: cfg.configFile }));
    worker = await createWorker({ connection: await nativeConnection(), taskQueue: cfg.taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    running = worker.run();
    await source.db(db).collection('c').insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, v: i })) as never[]);
  });

  after(async () => {
    for (const id of [workflowIds.job(jobId), workflowIds.tail(jobId)]) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) await t.client.schedule.getHandle(id).delete().catch(() => undefined);
    worker.shutdown();
    await running;
    for (const d of await listHeadDatabases(head, jobId)) await head.db(d.name).dropDatabase();
    await head.db(catalogDb).dropDatabase();
    await source.db(db).dropDatabase();
    await Promise.all([head.close(), source.close(), deps.close(), t.connection.close()]);
    await rm(dirname(cfg.configFile), { recursive: true, force: true });
  });

  it("sets HeadwaterHealth='headroom low' on the job while its headroom is below the threshold, and 'ok' once it clears", async () => {
    const jobs = new JobClient(t.client, cfg.taskQueue);
    // A threshold no oplog meets: the first check while following raises the warning.
    await jobs.createJob({ jobId, source: 'source', filter: { include: [db] }, headroomWarnSeconds: 1_000_000_000 }, { captureSeconds: 2, healthCheckSeconds: 1 });
    await jobs.startJob(jobId);

    const low = await until(`the job by ${HealthKey.name}='${HEALTH.headroomLow}'`, () => found(HEALTH.headroomLow), (ids) => ids.length > 0);
    assert.deepEqual(low, [workflowIds.job(jobId)], 'the job itself, not its children');
    const warned = await jobs.view(jobId);
    assert.match(warned.headroom?.warning ?? '', /below the job's threshold of 1000000000s/, 'the status shows the same warning');
    const attrs = (await t.client.workflow.getHandle(workflowIds.job(jobId)).describe()).typedSearchAttributes;
    assert.equal(attrs.get(HealthKey), HEALTH.headroomLow);

    // A threshold every headroom meets: the update re-judges at once, and the attribute follows.
    const cleared = await jobs.updateJob(jobId, { headroomWarnSeconds: 0 });
    assert.equal(cleared.headroom?.warning, undefined);
    const ok = await until(`the job by ${HealthKey.name}='${HEALTH.ok}'`, () => found(HEALTH.ok), (ids) => ids.length > 0);
    assert.deepEqual(ok, [workflowIds.job(jobId)]);
    assert.deepEqual(await found(HEALTH.headroomLow), [], 'no longer listed as at risk');
  });
});
