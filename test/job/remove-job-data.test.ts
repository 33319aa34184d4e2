/**
 * Terminate beside a restore of the same job: while the restore's lease lives, removeJobData deletes
 * nothing and fails retryably, naming the restore; its mark keeps new restores out meanwhile; once the
 * lease is released, the retry deletes the job's data. Real catalog and store, no Temporal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp, type MongoClient } from 'mongodb';
import { NotFound, RestoreInProgress } from '../../src/errors/domain-errors.js';
import { removeJobData } from '../../src/job/remove-job-data.js';
import { holdRestore } from '../../src/restore/restore-lease.js';
import { mongoClient } from '../harness/services.js';
import { makeStore, newJobId, testCatalog, type TestStore } from '../snapshot/fixtures.js';

describe('terminate beside a restore of the job', () => {
  let head: MongoClient;
  let cat: ReturnType<typeof testCatalog>;
  let fs: TestStore;
  const jobId = newJobId('rm');
  const snapshotId = `${jobId}/1`;
  const manifestKey = `manifests/${snapshotId}.json`;
  const sliceKey = `slices/${jobId}/oplog/0`;
  const ts = new Timestamp({ t: 1_704_067_200, i: 1 });
  const plan = { jobId, syncNumber: 1, snapshotId, store: 'fs', manifestKey, snapshotTs: `${ts.high}.1` };

  before(async () => {
    head = mongoClient('head');
    cat = testCatalog(head);
    fs = await makeStore('fs', head);
    await fs.store.put(manifestKey, Buffer.from('{}'));
    await cat.catalog.snapshots.record({ _id: snapshotId, jobId, syncNumber: 1, ts, store: 'fs', manifestKey, compression: 'zstd', encryption: 'none', createdAt: new Date(), collections: 1, documents: 1, bytes: 1, chunks: 1, newChunks: 1, newStoredBytes: 1 });
    await fs.store.put(sliceKey, Buffer.from('x'));
    await cat.catalog.slices.record({ _id: sliceKey, jobId, stream: 'oplog', syncNumber: 1, seq: 0, count: 1, bytes: 1, storedBytes: 1, sha256: '0'.repeat(64), store: 'fs', prevTs: ts, firstTs: ts, lastTs: ts, createdAt: new Date() });
  });
  after(async () => {
    await cat.drop();
    await fs.cleanup();
    await head.close();
  });

  const remove = () => removeJobData({ catalog: cat.catalog, head, jobId, storeOf: () => fs.store, stores: ['fs'] });

  it('deletes nothing while a restore holds its lease, refuses new restores, and proceeds once it is released', async () => {
    await holdRestore(cat.catalog, 'restore-r1', plan, 60_000);
    await assert.rejects(remove(), (e) => e instanceof RestoreInProgress && e.retryable && e.message.includes("restore 'restore-r1'"));
    assert.ok(await fs.store.has(manifestKey), 'the manifest the restore reads is still there');
    assert.ok(await fs.store.has(sliceKey), 'and its slice');
    assert.ok((await cat.catalog.snapshots.find(snapshotId)) !== undefined);
    assert.equal((await cat.catalog.slices.keysOfJob(jobId)).length, 1);
    // Meanwhile no new restore of the job starts: the snapshot is marked for the terminate.
    await assert.rejects(holdRestore(cat.catalog, 'restore-r2', plan, 60_000), (e) => e instanceof NotFound && e.message.includes('being deleted with its job'));
    assert.deepEqual((await cat.catalog.restoreLeases.live(jobId)).map((l) => l._id), ['restore-r1']);

    await cat.catalog.restoreLeases.release('restore-r1');
    const removed = await remove();
    assert.deepEqual([removed.snapshots, removed.slices], [1, 1]);
    assert.equal(await fs.store.has(manifestKey), false);
    assert.equal(await fs.store.has(sliceKey), false);
    assert.equal(await cat.catalog.snapshots.find(snapshotId), undefined);
  });
});
