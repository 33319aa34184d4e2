/**
 * `npm run demo`: Headwater end to end on the local services. Seeds a small shop database on the source,
 * starts a worker, runs the initial sync (watch its phases), follows the oplog while a writer changes
 * data, then proves the head equals the source by count and content hash, and checks slice coverage.
 */
import { Client, Connection } from '@temporalio/client';
import { Catalog } from '../src/catalog/catalog.js';
import { checkJobCoverage } from '../src/catalog/check-coverage.js';
import type { FollowStatus } from '../src/contracts/follow.js';
import { compareTsString, type SyncProgress, type SyncResult } from '../src/contracts/initial-sync.js';
import { headDbName } from '../src/head/head-names.js';
import { tsToString } from '../src/lib/bson.js';
import { latestOplogTs } from '../src/source/plan-sync.js';
import { digest } from '../test/harness/compare.js';
import { fill, startWriter } from '../test/harness/dataset.js';
import { mongoClient, services } from '../test/harness/services.js';
import { WorkerProcess, writeWorkerConfig } from '../test/harness/worker-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (s: string) => console.log(`[demo] ${s}`);

async function main(): Promise<void> {
  const stamp = Date.now().toString(36);
  const db = `demo_shop_${stamp}`;
  const jobId = `demo-${stamp}`;
  const source = mongoClient('source');
  const head = mongoClient('head');
  say(`seeding ${db} on the source (${services.source.uri})`);
  await Promise.all([
    fill(source, `${db}.customers`, 5000),
    fill(source, `${db}.orders`, 15000),
    fill(source, `${db}.invoices`, 500, 'medium'),
  ]);

  const cfg = writeWorkerConfig(`headwater-demo-${stamp}`);
  const worker = new WorkerProcess(cfg);
  await worker.start();
  const connection = await Connection.connect({ address: services.temporal.address });
  const client = new Client({ connection });
  const writer = startWriter(source, [`${db}.customers`, `${db}.orders`], { pauseMs: 5 });
  try {
    const syncId = `job/${jobId}/initial-sync/1`;
    say(
      `initial sync ${syncId}: watch it at http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(syncId)}`,
    );
    const sync = await client.workflow.start('initialSync', {
      taskQueue: cfg.taskQueue,
      workflowId: syncId,
      args: [{ jobId, source: 'source', filter: { include: [db] } }],
    });
    let last = '';
    for (;;) {
      const done = await Promise.race([sync.result().then(() => true), sleep(250).then(() => false)]);
      const p = await sync.query<SyncProgress>('progress').catch(() => undefined);
      if (p && p.phase !== last) say(`  phase: ${(last = p.phase)}`);
      if (done) break;
    }
    const res = (await sync.result()) as SyncResult;
    say(
      `  head consistent at ${res.consistentAt}; copied ${Object.values(res.progress.collections).reduce((n, c) => n + c.docs, 0)} documents, ${res.progress.oplog.entries} oplog entries captured meanwhile`,
    );

    const followId = `job/${jobId}/tail`;
    await client.workflow.start('follow', {
      taskQueue: cfg.taskQueue,
      workflowId: followId,
      args: [
        {
          jobId,
          syncNumber: 1,
          source: 'source',
          capturedThrough: res.consistentAt,
          appliedThrough: res.consistentAt,
          captureSeconds: 5,
        },
      ],
    });
    say('following the oplog for 5 s while the writer inserts, updates and deletes');
    await sleep(5000);
    const stats = await writer.stop();
    const end = tsToString(await latestOplogTs(source));
    const follow = client.workflow.getHandle(followId);
    let status: FollowStatus | undefined;
    while (!status || compareTsString(status.appliedThrough, end) < 0) {
      await sleep(300);
      status = await follow.query<FollowStatus>('status').catch(() => status);
    }
    say(
      `  writer did ${stats.inserts} inserts, ${stats.updates} updates, ${stats.deletes} deletes; capture lag ${status.captureLagSeconds.toFixed(2)} s, headroom ${status.headroomSeconds} s`,
    );
    await follow.terminate('demo over');

    const coverage = await checkJobCoverage(new Catalog(head, 'headwater'), jobId, 1);
    say(
      `slice coverage: ${coverage.ok ? 'continuous' : 'BROKEN'} over ${coverage.slices} oplog slices (${coverage.from} .. ${coverage.through})`,
    );
    let equal = coverage.ok;
    for (const coll of ['customers', 'orders', 'invoices']) {
      const [a, b] = await Promise.all([
        digest(source, db, coll),
        digest(head, headDbName(jobId, 1, db), coll),
      ]);
      const same = a.count === b.count && a.hash === b.hash;
      equal &&= same;
      say(
        `  ${coll}: source ${a.count} docs ${a.hash.slice(0, 12)}…  head ${b.count} docs ${b.hash.slice(0, 12)}…  ${same ? 'equal' : 'DIFFERENT'}`,
      );
    }
    say(equal ? 'head equals source: nothing lost, nothing duplicated' : 'head differs from source');
    process.exitCode = equal ? 0 : 1;
  } finally {
    await writer.stop();
    await worker.stop();
    await source.db(db).dropDatabase();
    await Promise.all([source.close(), head.close(), connection.close()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
