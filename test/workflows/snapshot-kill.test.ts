import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { Timestamp, type MongoClient } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import type { SnapshotResult, SnapshotStatus } from '../../src/contracts/snapshot.js';
import { decodeSnapshot, readManifest } from '../../src/snapshot/decode-snapshot.js';
import { STAGING_PREFIX } from '../../src/snapshot/snapshot-keys.js';
import { verifySnapshot } from '../../src/snapshot/verify-snapshot.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { CHUNKS_PREFIX, manifestPrefix } from '../../src/store/layout.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { forgetJob } from '../harness/catalog.js';
import { connectTemporal } from '../harness/temporal.js';
import { WorkerProcess, writeWorkerConfig, type WorkerConfig } from '../harness/worker-process.js';
import { changeDocuments, headDocuments, makeHead, newJobId, SMALL_CHUNKS, type TestHead } from '../snapshot/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function count(store: FsBlobStore, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of store.list(prefix)) n += 1;
  return n;
}

/** Waits until the snapshot is reading and has stored a few chunks, then kills the worker. */
async function killWhileReading(handle: WorkflowHandle, store: FsBlobStore, worker: WorkerProcess): Promise<void> {
  let status: SnapshotStatus | undefined;
  for (let i = 0; i < 1200; i += 1) {
    status = await handle.query<SnapshotStatus>('snapshotStatus').catch(() => status);
    if (status?.phase === 'reading' && (await count(store, CHUNKS_PREFIX)) >= 3) {
      await worker.kill('SIGKILL');
      return;
    }
    await sleep(50);
  }
  // Say where it was, so that a miss under load can be told from a failed or finished workflow.
  const run = await handle.describe().catch((e: Error) => ({ status: { name: `unknown (${e.message})` } }));
  throw new Error(`the snapshot never reached its read: last phase ${status?.phase ?? 'none'}, workflow ${run.status.name}, ${await count(store, CHUNKS_PREFIX)} chunks stored`);
}

describe('snapshot workflow under worker crashes (real worker process)', () => {
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let head: MongoClient;
  let catalog: Catalog;
  let h: TestHead;
  let cfg: WorkerConfig;
  let worker: WorkerProcess;
  let store: FsBlobStore;

  before(async () => {
    t = await connectTemporal();
    head = mongoClient('head');
    catalog = new Catalog(head, 'headwater'); // the worker's default catalog
    h = await makeHead(head, catalog, {
      jobId: newJobId('k'),
      collections: [{ name: 'a', count: 6000 }, { name: 'b', count: 6000 }, { name: 'c', count: 800, size: 'medium' }],
    });
    cfg = writeWorkerConfig(uniqueName('hw-snapkill'));
    store = new FsBlobStore(cfg.storeDir);
    worker = new WorkerProcess(cfg);
    await worker.start();
  });
  after(async () => {
    await worker.stop();
    await h.drop();
    await forgetJob(head, h.jobId);
    await head.close();
    await t.connection.close();
  });

  it('completes after a SIGKILL mid-read, and is not listed until it is complete', async () => {
    const handle = await t.client.workflow.start('snapshot', {
      taskQueue: cfg.taskQueue,
      workflowId: `job/${h.jobId}/snapshot/1700005000.0`,
      args: [{ jobId: h.jobId, requestedAt: '1700005000.0', chunker: SMALL_CHUNKS, uploadConcurrency: 2 }],
    });
    await killWhileReading(handle, store, worker);
    assert.equal(await count(store, manifestPrefix(h.jobId)), 0, 'no manifest while the worker is dead');
    assert.deepEqual(await catalog.snapshots.list(h.jobId), [], 'no catalog record while the worker is dead');
    await worker.start();
    const r = (await handle.result()) as SnapshotResult;

    assert.equal(worker.starts, 2);
    assert.equal(r.alreadyTaken, false);
    const manifest = await readManifest(store, r.manifestKey);
    assert.deepEqual((await catalog.snapshots.list(h.jobId)).map((s) => s._id), [r.snapshotId]);
    assert.equal((await verifySnapshot({ store, manifest })).ok, true);
    const decoded = await decodeSnapshot(store, manifest);
    for (const coll of ['a', 'b', 'c']) {
      const want = await headDocuments(head, h.headDb, coll);
      const got = decoded.get(`src.${coll}`)!;
      assert.equal(got.length, want.length, `src.${coll}: count`);
      assert.ok(got.every((d, i) => d.equals(want[i]!)), `src.${coll}: decodes to the head`);
    }
    assert.equal(await count(store, STAGING_PREFIX), 0, 'the staged manifest was removed by the commit');
    const history = await handle.fetchHistory();
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes?.attempt !== undefined && e.activityTaskStartedEventAttributes.attempt! > 1);
    assert.ok(attempts.length >= 1, 'an activity was retried after the kill');
  });

  it('is cleanly abandoned when terminated mid-read: nothing is listed', async () => {
    const ts = '1700005100.0';
    // A head state no snapshot has: otherwise the read finds the snapshot already taken and ends at once.
    await changeDocuments(head, h.headDb, 'a', 0.05, 'spread');
    await catalog.syncs.markConsistent(h.jobId, 1, new Timestamp({ t: 1_700_005_100, i: 1 }));
    const before = (await catalog.snapshots.list(h.jobId)).length;
    const handle = await t.client.workflow.start('snapshot', {
      taskQueue: cfg.taskQueue,
      workflowId: `job/${h.jobId}/snapshot/${ts}`,
      args: [{ jobId: h.jobId, requestedAt: ts, chunker: { ...SMALL_CHUNKS, avgBytes: 8192, minBytes: 2048 }, compression: 'gzip', uploadConcurrency: 1 }],
    });
    await killWhileReading(handle, store, worker);
    await handle.terminate('abandon the snapshot');
    await worker.start();
    await sleep(2000);
    assert.equal((await catalog.snapshots.list(h.jobId)).length, before, 'no new catalog record');
    assert.equal(await count(store, manifestPrefix(h.jobId)), before, 'no new manifest');
  });
});
