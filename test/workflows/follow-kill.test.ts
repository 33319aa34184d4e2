import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import type { FollowStatus } from '../../src/contracts/follow.js';
import { compareTsString, type SyncResult } from '../../src/contracts/initial-sync.js';
import { headDbName } from '../../src/head/head-names.js';
import { tsToString } from '../../src/lib/bson.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { digest } from '../harness/compare.js';
import { fill, startWriter } from '../harness/dataset.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { forgetJob } from '../harness/catalog.js';
import { connectTemporal } from '../harness/temporal.js';
import { WorkerProcess, writeWorkerConfig } from '../harness/worker-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('continuous capture and apply under worker crashes', () => {
  // A source of its own: under the whole suite (the 100,000-document sync writes to the shared source)
  // the shared 8 MiB oplog rolls over while the kills slow capture down.
  let ferret: Awaited<ReturnType<typeof startFerret>>;
  let source: MongoClient;
  let head: MongoClient;
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  const db = uniqueName('fk');
  const namespaces = [`${db}.a`, `${db}.b`];
  const jobId = uniqueName('f').replace(/_/g, '-').slice(0, 20);

  before(async () => {
    ferret = await startFerret({ oplogBytes: 32 * 1024 * 1024 });
    source = new MongoClient(ferret.uri);
    head = mongoClient('head');
    t = await connectTemporal();
    await Promise.all(namespaces.map((ns) => fill(source, ns, 3000)));
  });
  after(async () => {
    await source.db(db).dropDatabase();
    await head.db(headDbName(jobId, 1, db)).dropDatabase();
    await forgetJob(head, jobId);
    await Promise.all([source.close(), head.close(), t.connection.close()]);
    await ferret.stop();
  });

  it('keeps slice coverage continuous through 5 SIGKILLs and ends with head equal to source', async () => {
    const cfg = writeWorkerConfig(uniqueName('hw-follow'), { source: { uri: ferret.uri } });
    const worker = new WorkerProcess(cfg);
    await worker.start();
    const sync = (await t.client.workflow.execute('initialSync', {
      taskQueue: cfg.taskQueue,
      workflowId: `job/${jobId}/initial-sync/1`,
      args: [{ jobId, source: 'source', filter: { include: [db] } }],
    })) as SyncResult;
    // Capture ends where the head is consistent, so the follow below resumes both from one point.
    const handoff = await checkJobCoverage(new Catalog(head, 'headwater'), jobId, 1);
    assert.equal(handoff.ok, true, JSON.stringify(handoff));
    assert.equal(handoff.through, sync.consistentAt, 'no slice was captured past the consistent point');
    const followId = `job/${jobId}/tail`;
    await t.client.workflow.start('follow', {
      taskQueue: cfg.taskQueue,
      workflowId: followId,
      args: [
        {
          jobId,
          syncNumber: 1,
          source: 'source',
          capturedThrough: sync.consistentAt,
          appliedThrough: sync.consistentAt,
          captureSeconds: 3,
        },
      ],
    });
    const writer = startWriter(source, namespaces, { pauseMs: 2 });
    const handle = t.client.workflow.getHandle(followId);
    const sliceCount = async () =>
      (await handle.query<FollowStatus>('status').catch(() => undefined))?.counters.slices ?? -1;
    // Each kill lands at a random moment once capture has written a slice since the previous kill, so
    // every kill interrupts a capture that is working (on FerretDB an attempt first scans the oplog).
    let seen = -1;
    for (let kill = 0; kill < 5; kill += 1) {
      await sleep(1500 + Math.floor(Math.random() * 2500));
      for (let i = 0; i < 180 && (await sliceCount()) <= seen; i += 1) await sleep(500);
      seen = await sliceCount();
      await worker.restart();
    }
    await writer.stop();
    const end = tsToString(await latestOplogTs(source));
    let status: FollowStatus | undefined;
    // Apply on a FerretDB head runs at about 14 entries/s alone, far less beside the rest of the suite
    // (two full runs ended 150 entries short after two minutes): wait up to five.
    for (let i = 0; i < 600; i += 1) {
      status = await handle.query<FollowStatus>('status').catch(() => undefined);
      if (status && compareTsString(status.appliedThrough, end) >= 0) break;
      await sleep(500);
    }
    await handle.terminate('test over');
    await worker.stop();
    assert.ok(
      status && compareTsString(status.appliedThrough, end) >= 0,
      `apply caught up with ${end} (status: ${JSON.stringify(status)})`,
    );
    assert.ok(writer.stats.inserts > 100, 'the writer kept writing through the crashes');

    const catalog = new Catalog(head, 'headwater');
    const coverage = await checkJobCoverage(catalog, jobId, 1);
    assert.equal(coverage.ok, true, `coverage is continuous: ${JSON.stringify(coverage)}`);
    assert.ok(coverage.slices >= 5, `a slice between kills: ${JSON.stringify(coverage)}`);
    for (const ns of namespaces) {
      const coll = ns.slice(db.length + 1);
      const want = await digest(source, db, coll);
      const got = await digest(head, headDbName(jobId, 1, db), coll);
      assert.equal(got.duplicates, 0);
      assert.equal(got.count, want.count, `${ns}: same count`);
      assert.equal(got.hash, want.hash, `${ns}: same content hash`);
    }
  });
});
