import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Int32 } from 'mongodb';
import type { SnapshotResult, SnapshotStatus } from '../../src/contracts/snapshot.js';
import { headDbName } from '../../src/head/head-names.js';
import { decodeRaw } from '../../src/lib/bson.js';
import { decodeSnapshot, readManifest } from '../../src/snapshot/decode-snapshot.js';
import { uniqueName } from '../harness/services.js';
import { newJobId, SMALL_CHUNKS } from '../snapshot/fixtures.js';
import { startFollowFixture, type FollowFixture } from './follow-fixture.js';

describe('snapshot workflow beside a running follow', () => {
  let f: FollowFixture;
  const db = uniqueName('snf');

  before(async () => {
    f = await startFollowFixture({ name: 'snf', oplogBytes: 256 * 1024 * 1024, bundleFirst: true });
    // b is written before a for each n, so at any point of the oplog |b| is |a| or |a| + 1.
    for (const coll of ['b', 'a']) {
      await f.source
        .db(db)
        .collection(coll)
        .insertMany(Array.from({ length: 1000 }, (_, n) => ({ _id: n as never, n, pad: 'x'.repeat(200) })));
    }
  });
  after(async () => {
    await f.stop();
  });

  it('pauses apply at a slice boundary: the snapshot is consistent while writes go on, and apply resumes', async () => {
    const { t, deps, source, head } = f;
    const jobId = newJobId('sf');
    const taskQueue = uniqueName('hw-snapf');
    const worker = await f.worker(taskQueue);
    let writing = true;
    let n = 1000;
    await worker.runUntil(async () => {
      const sync = (await t.client.workflow.execute('initialSync', {
        taskQueue,
        workflowId: `job/${jobId}/initial-sync/1`,
        args: [{ jobId, source: 'source', filter: { include: [db] } }],
      })) as { consistentAt: string };
      const follow = await f.startFollow({ taskQueue, jobId, consistentAt: sync.consistentAt });
      const writer = (async () => {
        while (writing) {
          await source
            .db(db)
            .collection('b')
            .insertOne({ _id: n as never, n, pad: 'y'.repeat(200) });
          await source
            .db(db)
            .collection('a')
            .insertOne({ _id: n as never, n, pad: 'y'.repeat(200) });
          n += 1;
          // A steady ~50 writes/s, which apply on FerretDB keeps up with (an unthrottled writer outran it).
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        // Apply is running: let it bring a hundred writes or more to the head (up to 5 min under the whole
        // suite), so a read racing it would show.
        const headA = head.db(headDbName(jobId, 1, db)).collection('a');
        for (let i = 0; i < 600 && (await headA.countDocuments()) < 1100; i += 1)
          await new Promise((r) => setTimeout(r, 500));
        const snapId = `job/${jobId}/snapshot/${Math.floor(Date.now() / 1000)}.0`;
        const snap = await t.client.workflow.start('snapshot', {
          taskQueue,
          workflowId: snapId,
          args: [{ jobId, requestedAt: '1.0', chunker: SMALL_CHUNKS }],
        });
        const r = (await snap.result()) as SnapshotResult;
        const status = await snap.query<SnapshotStatus>('snapshotStatus');
        assert.equal(status.phase, 'complete');
        const manifest = await readManifest(deps.store('default'), r.manifestKey);
        const decoded = await decodeSnapshot(deps.store('default'), manifest);
        const ids = (coll: string) =>
          decoded.get(`${db}.${coll}`)!.map((d) => (decodeRaw(d)._id as Int32).value);
        const [a, b] = [ids('a'), ids('b')];
        assert.ok(a.length >= 1100, `apply ran before the snapshot (a has ${a.length})`);
        assert.deepEqual(
          a,
          Array.from({ length: a.length }, (_, i) => i),
          'a is a prefix of the writes, without holes',
        );
        assert.deepEqual(
          b,
          Array.from({ length: b.length }, (_, i) => i),
          'b too',
        );
        assert.ok(
          b.length - a.length === 0 || b.length - a.length === 1,
          `b has ${b.length}, a has ${a.length}: one point of the oplog`,
        );

        // Apply resumed: the head moves past the snapshot.
        let applied = r.ts;
        for (let i = 0; i < 300 && applied === r.ts; i += 1) {
          await new Promise((res) => setTimeout(res, 200));
          applied = (await follow.query<{ appliedThrough: string }>('status')).appliedThrough;
        }
        assert.notEqual(applied, r.ts, 'apply resumed after the snapshot');

        // A pause that is never resumed ends by itself after its lease; the late resume is told it did not hold.
        const paused = await follow.executeUpdate<{ appliedThrough: string }, [unknown]>('pauseApply', {
          args: [{ by: 'forgetful', maxSeconds: 3 }],
        });
        await new Promise((res) => setTimeout(res, 1500));
        const during = await follow.query<{ appliedThrough: string; capturedThrough: string }>('status');
        assert.equal(during.appliedThrough, paused.appliedThrough, 'apply holds still while paused');
        let after = during.appliedThrough;
        for (let i = 0; i < 100 && after === paused.appliedThrough; i += 1) {
          await new Promise((res) => setTimeout(res, 200));
          after = (await follow.query<{ appliedThrough: string }>('status')).appliedThrough;
        }
        assert.notEqual(after, paused.appliedThrough, 'apply resumed when the lease ran out');
        const late = await follow.executeUpdate<{ held: boolean }, [unknown]>('resumeApply', {
          args: [{ by: 'forgetful' }],
        });
        assert.equal(late.held, false);
        await follow.terminate('test over');
      } finally {
        writing = false;
        await writer;
      }
    });
    await head.db(headDbName(jobId, 1, db)).dropDatabase();
  });
});
