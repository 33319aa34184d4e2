/**
 * Groom with several chains of oplog slices (one per initial sync), on the real catalog: each chain is kept
 * as long as a retained snapshot of it in the point-in-time window, a restore lease, or its own head needs
 * it, and deleted whole once a later sync replaced it and nothing reads it; the coverage check of every
 * chain stays clean after. On the old code (one floor for all chains) a failed sync held every chain's
 * slices for ever, another chain's newer snapshot let groom delete slices the current head had not
 * applied yet, and a groomed prefix of job-wide slices was reported as a hole.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import { RetentionPolicy } from '../../src/contracts/snapshot.js';
import { expireSnapshots } from '../../src/groom/expire.js';
import { restoreWindow } from '../../src/restore/restore-window.js';
import { manifestKey } from '../../src/store/layout.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { makeStore, newJobId, useTestCatalog } from '../snapshot/fixtures.js';

// Whole hours from 2024-01-01: every time below is seconds into one hour, so the hourly bucket keeps one.
const HOUR0 = Date.UTC(2024, 0, 1, 10) / 1000;
const ts = (s: number) => new Timestamp({ t: HOUR0 + s, i: 1 });
const ms = (s: number) => (HOUR0 + s) * 1000;
const secondsOf = (t: Timestamp) => (t.high >>> 0) - HOUR0;

describe('groom with one chain of oplog slices per initial sync', () => {
  const suite = useTestCatalog();
  const catalog = () => suite.cat().catalog;

  /** A job with a store: syncs, slices (10 s each) and snapshots recorded in the catalog, objects in the store. */
  async function job(prefix: string) {
    const store = await makeStore('fs', suite.head());
    const jobId = newJobId(prefix);
    const sync = (n: number, t0: number, consistentAt?: number) =>
      catalog().syncs.recordPlan({ _id: `${jobId}/${n}`, jobId, syncNumber: n, source: 'src', t0: ts(t0), collections: [], createdAt: new Date(), ...(consistentAt === undefined ? {} : { consistentAt: ts(consistentAt) }) });
    /** Chain `n` (undefined: the older job-wide chain) over (from, to]. */
    const capture = async (n: number | undefined, from: number, to: number) => {
      for (let s = from; s < to; s += 10) {
        const _id = n === undefined ? `slices/${jobId}/oplog/${s}` : `slices/${jobId}/sync-${n}/oplog/${s}`;
        await store.store.put(_id, Buffer.from(`slice ${s}`));
        await catalog().slices.record({
          _id, jobId, stream: 'oplog', ...(n === undefined ? {} : { syncNumber: n }), seq: s, count: 1, bytes: 1, storedBytes: 1, sha256: 'x', store: 'fs',
          firstTs: ts(s + 5), lastTs: ts(s + 10), prevTs: ts(s), createdAt: new Date(),
        });
      }
    };
    const snapshot = async (n: number, s: number) => {
      await store.store.put(manifestKey(jobId, ts(s)), Buffer.from('{}'));
      await catalog().snapshots.record({
        _id: snapshotId(jobId, ts(s)), jobId, syncNumber: n, ts: ts(s), store: 'fs', manifestKey: manifestKey(jobId, ts(s)), compression: 'zstd',
        encryption: 'none', collections: 0, documents: 0, bytes: 0, chunks: 0, newChunks: 0, newStoredBytes: 0, createdAt: new Date(),
      });
    };
    const groom = (nowSeconds: number, pointInTimeHours: number) =>
      expireSnapshots({ catalog: catalog(), jobId, policy: RetentionPolicy.parse({ pointInTimeHours }), now: ms(nowSeconds), storeOf: () => store.store });
    /** What is left of chain `n`: the prevTs of each slice, in seconds, and every object still has its record. */
    const left = async (n: number | undefined) => {
      const all = await catalog().slices.oplog(jobId);
      for await (const e of store.store.list('slices/')) assert.ok(all.some((s) => s._id === e.key), `${e.key} has a record`);
      return all.filter((s) => s.syncNumber === n).map((s) => secondsOf(s.prevTs!));
    };
    const coverage = async (n: number) => {
      const r = await checkJobCoverage(catalog(), jobId, n);
      assert.deepEqual([r.holes, r.overlaps], [[], []], `chain ${n}: ${JSON.stringify(r)}`);
      return r;
    };
    return { jobId, store, sync, capture, snapshot, groom, left, coverage };
  }
  const range = (from: number, to: number) => Array.from({ length: (to - from) / 10 }, (_, i) => from + i * 10);

  it('deletes the chains of a failed sync and of a replaced one whole; a failed sync no longer holds the others', async () => {
    const j = await job('gf');
    try {
      await j.sync(1, 1000, 1020);
      await j.sync(2, 1150); // failed: never consistent
      await j.sync(3, 1310, 1330); // the restart that replaced both
      await j.capture(1, 1000, 1300);
      await j.capture(2, 1150, 1200);
      await j.capture(3, 1310, 1500);
      await j.snapshot(1, 1100);
      await j.snapshot(3, 1400);
      await j.snapshot(3, 1450);

      // No window: the newest snapshot is the base, the only one a restore starts from.
      const r = await j.groom(1500, 0);
      assert.deepEqual(r.deleted, [snapshotId(j.jobId, ts(1400)), snapshotId(j.jobId, ts(1100))]);
      assert.deepEqual(await j.left(1), [], 'sync 1 was replaced and no retained snapshot of it is in the window');
      assert.deepEqual(await j.left(2), [], 'the failed sync applies nothing any more');
      assert.deepEqual(await j.left(3), range(1440, 1500), 'the current chain from its base snapshot on');
      assert.equal(r.slicesDeleted, 30 + 5 + 13);
      for (const n of [1, 2]) assert.equal((await j.coverage(n)).slices, 0, `chain ${n} deleted whole is no hole`);
      assert.equal((await j.coverage(3)).from, `${HOUR0 + 1440}.1`);
    } finally {
      await j.store.cleanup();
    }
  });

  it('keeps a replaced chain while a retained snapshot of it is in the window or leased, then deletes it whole', async () => {
    const j = await job('gk');
    try {
      await j.sync(1, 1000, 1020);
      await j.sync(2, 1310, 1330);
      await j.capture(1, 1000, 1300);
      await j.capture(2, 1310, 1500);
      for (const [n, s] of [[1, 1100], [1, 1200], [2, 1400]] as const) await j.snapshot(n, s);
      const windowBefore = (await restoreWindow(catalog(), j.jobId)).ranges.map((x) => [secondsOf(x.from), secondsOf(x.to)]);
      assert.deepEqual(windowBefore, [[1100, 1300], [1400, 1500]]);

      // A 6-minute window from 1500 starts at 1140: sync 1's snapshot at 1100 is its base.
      const r = await j.groom(1500, 0.1);
      assert.deepEqual(r.deleted, [snapshotId(j.jobId, ts(1200))]);
      assert.deepEqual(await j.left(1), range(1090, 1300), 'sync 1 from its snapshot in the window on');
      assert.deepEqual(await j.left(2), range(1390, 1500), 'sync 2 from its own first snapshot: no restore reads it before');
      const windowAfter = (await restoreWindow(catalog(), j.jobId)).ranges.map((x) => [secondsOf(x.from), secondsOf(x.to)]);
      assert.deepEqual(windowAfter, windowBefore, 'every restorable time still is');

      // Later the window has passed sync 1's snapshot, but a restore of it holds a lease: its chain stays.
      await catalog().restoreLeases.acquire({ _id: `${j.jobId}-restore`, jobId: j.jobId, snapshotId: snapshotId(j.jobId, ts(1100)), fromTs: ts(1100) }, 60_000);
      await j.groom(2000, 0.1);
      assert.deepEqual(await j.left(1), range(1090, 1300), 'the lease holds sync 1 from its snapshot');
      await catalog().restoreLeases.release(`${j.jobId}-restore`);
      await j.groom(2000, 0.1);
      assert.deepEqual(await j.left(1), [], 'nothing reads sync 1 any more');
      assert.deepEqual(await j.left(2), range(1390, 1500));
      await j.coverage(1);
      await j.coverage(2);
    } finally {
      await j.store.cleanup();
    }
  });

  it("never deletes what the current head has not applied because another chain's snapshot is newer", async () => {
    const j = await job('ga');
    try {
      // A resync beside the follow: sync 1 went on, and snapshotted at 1390, until sync 2 was complete at 1330.
      await j.sync(1, 1000, 1020);
      await j.sync(2, 1250, 1330);
      await j.capture(1, 1000, 1400);
      await j.capture(2, 1250, 1500);
      await j.snapshot(1, 1390);

      await j.groom(1500, 0);
      assert.deepEqual(await j.left(2), range(1250, 1500), "sync 2's head applies from 1330 and has no snapshot yet: its chain is kept whole");
      assert.deepEqual(await j.left(1), range(1380, 1400), 'sync 1 from its retained snapshot on');
      await j.coverage(1);
      await j.coverage(2);
    } finally {
      await j.store.cleanup();
    }
  });

  it('starts the coverage check of a sync after its groomed job-wide slices (written before chains were per sync)', async () => {
    const j = await job('gw');
    try {
      await j.sync(1, 1000, 1020);
      await j.capture(undefined, 1000, 1300);
      await j.snapshot(1, 1200);

      await j.groom(1300, 0);
      assert.deepEqual(await j.left(undefined), range(1190, 1300));
      const r = await j.coverage(1);
      assert.equal(r.from, `${HOUR0 + 1190}.1`, 'the chain begins where groom deleted through');
      assert.equal(r.slices, 11);
    } finally {
      await j.store.cleanup();
    }
  });
});
