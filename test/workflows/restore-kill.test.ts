import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp, type MongoClient } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import { HeadwaterClient } from '../../src/client/headwater-client.js';
import type { RestoreStatus } from '../../src/contracts/restore.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { restoreStatusQuery } from '../../src/workflows/messages.js';
import { forgetJob } from '../harness/catalog.js';
import { digest } from '../harness/compare.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { WorkerProcess, writeWorkerConfig, type WorkerConfig } from '../harness/worker-process.js';
import { makeHead, newJobId, snapshotNow, type TestHead } from '../snapshot/fixtures.js';
import type { Manifest } from '../../src/snapshot/manifest.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COUNT = 4000;

describe('restore workflow under worker crashes (real worker process)', () => {
  let head: MongoClient;
  let catalog: Catalog;
  let h: TestHead;
  let cfg: WorkerConfig;
  let worker: WorkerProcess;
  let client: HeadwaterClient;
  let manifest: Manifest;
  const ts = new Timestamp({ t: 1_700_007_000, i: 1 });
  const targetDb = uniqueName('rkill');

  before(async () => {
    head = mongoClient('head');
    catalog = new Catalog(head, 'headwater'); // the worker's default catalog
    h = await makeHead(head, catalog, { jobId: newJobId('rk'), collections: [{ name: 'a', count: COUNT }, { name: 'b', count: COUNT }], consistentAt: ts });
    cfg = writeWorkerConfig(uniqueName('hw-restorekill'), { target: { uri: services.head.uri } });
    manifest = await snapshotNow({ head, store: new FsBlobStore(cfg.storeDir), catalog, plan: h.plan, ts, storeId: 'default' });
    worker = new WorkerProcess(cfg);
    await worker.start();
    client = await HeadwaterClient.connect({ address: services.temporal.address, taskQueue: cfg.taskQueue });
  });
  after(async () => {
    await worker?.stop();
    await client?.close();
    await head.db(targetDb).dropDatabase();
    await h?.drop();
    await forgetJob(head, h.jobId);
    await head.close();
  });

  /** Documents in the target so far (both collections). */
  const restored = async () => {
    let n = 0;
    for (const c of ['a', 'b']) n += await head.db(targetDb).collection(c).countDocuments({});
    return n;
  };

  /**
   * Waits until the target holds more than `docs` documents while the restore is still restoring, then
   * kills the worker; returns how many documents the dead worker left.
   */
  async function killPast(docs: number, status: () => Promise<RestoreStatus | undefined>): Promise<number> {
    let seen = 0;
    for (let i = 0; i < 2400; i += 1) {
      seen = await restored();
      if (seen > docs) {
        const s = await status();
        await worker.kill('SIGKILL');
        assert.equal(s?.phase, 'restoring collections', `killed mid-restore (${seen} documents in)`);
        // Batches went on while the status was read: what the dead worker left is counted now.
        return restored();
      }
      await sleep(25);
    }
    throw new Error(`the restore never passed ${docs} documents (last seen ${seen}; phase ${(await status())?.phase})`);
  }

  it('resumes from its last batch after two SIGKILLs, and ends exact by count and content hash', async () => {
    const { restoreId, workflowId } = await client.startRestore({
      from: { snapshotId: snapshotId(h.jobId, ts) },
      target: 'target',
      renames: [`src=${targetDb}`],
      batchDocs: 20,
      parallelism: 1,
    });
    const status = () => client.restoreStatus(restoreId).catch(() => undefined);
    const first = await killPast(COUNT / 4, status);
    await worker.start();
    // The second kill lands once the retried attempt has made progress of its own.
    await killPast(first + 500, status);
    await worker.start();
    const r = await client.restoreResult(restoreId);

    assert.equal(worker.starts, 3);
    assert.ok(r.collections.every((c) => c.ok), JSON.stringify(r.collections));
    for (const c of manifest.collections) {
      const coll = c.ns.slice('src.'.length);
      const got = await digest(head, targetDb, coll);
      assert.equal(got.duplicates, 0, `${c.ns}: no duplicates`);
      assert.equal(got.count, c.count, `${c.ns}: count`);
      assert.equal(got.hash, c.contentHash, `${c.ns}: content hash equals the manifest's`);
    }
    const final = await client.temporal.workflow.getHandle(workflowId).query(restoreStatusQuery);
    assert.equal(final.phase, 'complete');
    assert.ok(Object.values(final.collections).some((c) => c.resumed === true), 'a collection went on from a heartbeat cursor');
    const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
    // History keeps one started event per activity, with the attempt that finished it. The first kill
    // always lands inside a collection's activity; the second may land just after one finished (its
    // count passed the mark with the last batch), so it need not cost a retry: at least one is proved.
    const attempts = history.events!.flatMap((e) => {
      const a = e.activityTaskStartedEventAttributes?.attempt;
      return a === undefined || a === null ? [] : [a];
    });
    const retries = attempts.reduce((n, a) => n + a - 1, 0);
    assert.ok(retries >= 1, `an activity attempt was retried after the kills (attempts: ${attempts.join(', ')})`);
  });
});
