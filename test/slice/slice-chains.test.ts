/**
 * Per-sync chains of oplog slices, on the real catalog and a real store: a resync captures its own chain
 * beside the older sync's follow, and the two never interleave in the coverage check, the apply and
 * replay ranges, or the restore window. Slices written before chains were per sync stay readable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import { encode } from '../../src/lib/bson.js';
import { restoreWindow } from '../../src/restore/restore-window.js';
import { parseSliceKey } from '../../src/slice/slice-key.js';
import { newJobId } from '../snapshot/fixtures.js';
import { useSliceStore } from './slice-fixture.js';

const ts = (t: number) => new Timestamp({ t, i: 1 });

describe('per-sync chains of oplog slices', () => {
  const { cat, slices } = useSliceStore();

  /** Slices of `syncNumber` (undefined: the old job-wide chain) covering (from, to] in steps of 10 s. */
  async function capture(jobId: string, syncNumber: number | undefined, from: number, to: number) {
    for (let t = from; t < to; t += 10) {
      const entries = [t + 5, t + 10].map((s) => encode({ op: 'i', ns: 'app.c', ts: ts(s), o: { _id: s } }));
      await slices().writeOplogSlice({ jobId, sliceStore: 'fs', syncNumber }, { entries, walls: [], firstTs: ts(t + 5), lastTs: ts(t + 10), prevTs: ts(t) });
    }
  }
  const plan = (jobId: string, syncNumber: number, t0: number) =>
    cat().catalog.syncs.recordPlan({ _id: `${jobId}/${syncNumber}`, jobId, syncNumber, source: 'src', t0: ts(t0), collections: [], createdAt: new Date() });
  const snapshot = (jobId: string, syncNumber: number, t: number) =>
    cat().catalog.snapshots.record({
      _id: `${jobId}/${t}`, jobId, syncNumber, ts: ts(t), store: 'fs', manifestKey: `manifests/${jobId}/${t}.json`, compression: 'zstd', encryption: 'none',
      collections: 0, documents: 0, bytes: 0, chunks: 0, newChunks: 0, newStoredBytes: 0, createdAt: new Date(),
    });

  it('keeps a resync chain and the older follow chain apart, in keys, ranges, coverage and the window', async () => {
    const jobId = newJobId('ch');
    await plan(jobId, 1, 100);
    await plan(jobId, 2, 150);
    // Sync 1's follow goes on capturing while resync 2 captures from its own T0: the ranges overlap.
    await capture(jobId, 1, 100, 200);
    await capture(jobId, 2, 150, 230);

    const one = await cat().catalog.slices.oplogBetween({ jobId, syncNumber: 1 }, ts(100), ts(1000));
    const two = await cat().catalog.slices.oplogBetween({ jobId, syncNumber: 2 }, ts(150), ts(1000));
    assert.deepEqual(one.map((s) => s.prevTs!.high), [100, 110, 120, 130, 140, 150, 160, 170, 180, 190]);
    assert.deepEqual(two.map((s) => s.prevTs!.high), [150, 160, 170, 180, 190, 200, 210, 220]);
    for (const [n, chain] of [[1, one], [2, two]] as const) {
      for (const s of chain) {
        assert.equal(s.syncNumber, n);
        assert.ok(s._id.startsWith(`slices/${jobId}/sync-${n}/oplog/`), s._id);
        assert.equal(parseSliceKey(s._id)?.kind === 'oplog' && parseSliceKey(s._id)?.syncNumber, n, 'the key names its chain');
      }
    }
    assert.equal((await cat().catalog.slices.oplog(jobId)).length, one.length + two.length, 'a job id alone lists every chain');

    // Each sync's chain proves itself without the other's overlapping slices (one job-wide chain did not).
    for (const n of [1, 2]) {
      const report = await checkJobCoverage(cat().catalog, jobId, n);
      assert.equal(report.ok, true, JSON.stringify(report));
    }
    assert.equal((await checkJobCoverage(cat().catalog, jobId, 2)).through, `${230}.1`);

    // A snapshot of sync 1 at 110, one of sync 2 at 170: sync 1's chain reaches 170, then sync 2's decides.
    await snapshot(jobId, 1, 110);
    await snapshot(jobId, 2, 170);
    const w = await restoreWindow(cat().catalog, jobId);
    assert.deepEqual(w.ranges.map((r) => [r.from.high, r.to.high]), [[110, 230]]);
  });

  it('reads slices written before chains were per sync as part of each sync chain of their job', async () => {
    const jobId = newJobId('old');
    await plan(jobId, 1, 100);
    await capture(jobId, undefined, 100, 130);
    const recs = await cat().catalog.slices.oplogAfter({ jobId, syncNumber: 1 }, ts(100));
    assert.equal(recs.length, 3);
    assert.ok(recs.every((r) => r.syncNumber === undefined && r._id.startsWith(`slices/${jobId}/oplog/`)));
    assert.equal(parseSliceKey(recs[0]!._id)?.kind, 'oplog');
    const report = await checkJobCoverage(cat().catalog, jobId, 1);
    assert.equal(report.ok, true);
    assert.equal(report.through, '130.1');
    assert.equal((await slices().read(recs[0]!)).length, 2);
  });
});
