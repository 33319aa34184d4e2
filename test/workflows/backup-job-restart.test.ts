/**
 * The backup job carries on by itself across a crash of the Temporal server. The test's own dev server
 * (its state in its own file; the shared one is never touched) is SIGKILLed while the job follows, a write
 * lands on the source while Temporal is down, and the server comes back on the same file. Nothing is
 * restarted by hand: the same worker, the same job run, the same follow. The write and the next one reach
 * the head, the slices stay one chain without a hole, and the job's status answers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import { JobClient } from '../../src/client/job-client.js';
import { parseConfig } from '../../src/config/load.js';
import type { JobView } from '../../src/contracts/job.js';
import { headDbName } from '../../src/head/head-names.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { workflowIds } from '../../src/workflows/ids.js';
import { digest } from '../harness/compare.js';
import { DevServer } from '../harness/dev-server.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, createWorker } from '../harness/temporal.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The outage is the condition under test, not a wait for an event. */
const OUTAGE_MS = 16_000;

describe('backup job across a Temporal server crash (own dev server; shared FerretDB)', () => {
  const source = mongoClient('source');
  const head = mongoClient('head');
  const jobId = uniqueName('tr').replace(/_/g, '-').slice(0, 18);
  const db = uniqueName('tr');
  const catalogDb = uniqueName('hw_cat_tr');
  const taskQueue = uniqueName('hw-tr');
  let server: DevServer;
  let connection: Connection;
  let native: NativeConnection;
  let worker: { w: Worker; running: Promise<void> };
  let deps: Deps;
  let storeDir: string;
  let jobs: JobClient;

  /** Polls until `ok`; a call that fails or hangs (Temporal down or coming back) is tried again. */
  async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 120_000): Promise<T> {
    const end = Date.now() + ms;
    let last: T | undefined;
    for (;;) {
      // A call to a server that is coming back may hang: each try is bounded.
      last = await Promise.race([probe().catch(() => undefined), sleep(10_000).then(() => undefined)]);
      if (last !== undefined && ok(last)) return last;
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
      await sleep(250);
    }
  }
  const onHead = (id: number) =>
    until(`document ${id} on the head`, () => head.db(headDbName(jobId, 1, db)).collection('c').countDocuments({ _id: id as never }), (n) => n === 1);

  before(async () => {
    server = await DevServer.create();
    connection = await Connection.connect({ address: server.address });
    native = await NativeConnection.connect({ address: server.address });
    storeDir = await mkdtemp(join(tmpdir(), 'hw-tr-'));
    deps = createDeps(
      parseConfig({
        temporal: { address: server.address },
        catalog: { connection: 'head', database: catalogDb },
        connections: { source: { uri: services.source.uri }, head: { uri: services.head.uri } },
        stores: { default: { type: 'fs', path: storeDir } },
        metrics: { port: 0 },
      }),
    );
    const w = await createWorker({ connection: native, taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    worker = { w, running: w.run() };
    jobs = new JobClient(new Client({ connection }), taskQueue);
    await source.db(db).collection('c').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, v: i })) as never[]);
  });

  after(async () => {
    // Everything Temporal-side lives on the test's server and goes with it; the follow ends first.
    const client = new Client({ connection });
    for (const id of [workflowIds.job(jobId), workflowIds.tail(jobId)]) await client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    worker.w.shutdown();
    await worker.running.catch(() => undefined);
    await deps.close();
    for (const d of await listHeadDatabases(head, jobId)) await head.db(d.name).dropDatabase();
    await head.db(catalogDb).dropDatabase();
    await source.db(db).dropDatabase();
    await Promise.all([source.close(), head.close(), native.close(), connection.close()]);
    await server.stop();
    await rm(storeDir, { recursive: true, force: true });
  });

  it('follows on after the server is SIGKILLed and restarted: capture continues, no hole, status answers', async () => {
    await jobs.createJob({ jobId, source: 'source', filter: { include: [db] } }, { captureSeconds: 2, healthCheckSeconds: 1 });
    await jobs.startJob(jobId);
    await until('Active and following', () => jobs.view(jobId), (v: JobView) => v.state === 'Active' && v.phase === 'following');
    await source.db(db).collection('c').insertOne({ _id: 100 as never, v: 'before the crash' });
    await onHead(100);

    // Down longer than the capture activity's heartbeat timeout (15 s), so the capture call in flight
    // is timed out by the restarted server and retried from its heartbeat: the harder case.
    const down = Date.now();
    await server.crash();
    await source.db(db).collection('c').insertOne({ _id: 101 as never, v: 'while Temporal is down' });
    await sleep(OUTAGE_MS - (Date.now() - down));
    await server.start();
    console.log(`# Temporal was down ${Date.now() - down} ms`);

    // Nothing restarted by hand: the job's own follow captures the write made while Temporal was down.
    await onHead(101);
    await source.db(db).collection('c').insertOne({ _id: 102 as never, v: 'after the restart' });
    await onHead(102);
    const status = await until('the status', () => jobs.jobStatus(jobId), (s) => s.follow !== undefined);
    assert.equal(status.state, 'Active');
    assert.equal(status.phase, 'following');
    assert.equal(status.syncNumber, 1, 'no resync, no new sync');
    assert.equal(status.counters.syncs, 1);
    assert.equal(status.condition, undefined);
    assert.equal(status.lastError, undefined);
    const coverage = await checkJobCoverage(deps.catalog, jobId, 1);
    assert.ok(coverage.ok, `one chain without holes or overlaps: ${JSON.stringify(coverage)}`);
    assert.deepEqual(await digest(head, headDbName(jobId, 1, db), 'c'), await digest(source, db, 'c'));
  });
});
