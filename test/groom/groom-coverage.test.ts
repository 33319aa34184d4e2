/**
 * After groom deletes the oplog slices before the point-in-time base, the coverage check (`job check`,
 * the soak's hole count) starts where groom deleted through, not at the sync's T0: the groomed prefix is
 * not a hole, and a real hole after it still is. Found by the soak: every run that groomed once counted
 * one hole from T0 to the first kept slice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import { RetentionPolicy } from '../../src/contracts/snapshot.js';
import { expireSnapshots } from '../../src/groom/expire.js';
import { tsToString } from '../../src/lib/bson.js';
import { manifestKey } from '../../src/store/layout.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { makeStore, newJobId, useTestCatalog } from '../snapshot/fixtures.js';

const ts = (t: number) => new Timestamp({ t, i: 1 });

describe('groom and the coverage check', () => {
  const suite = useTestCatalog();

  it('checks the chain from where groom deleted through, and still finds a hole after it', async () => {
    const t = await makeStore('fs', suite.head());
    const jobId = newJobId('gc');
    try {
      await suite.cat().catalog.syncs.recordPlan({ _id: `${jobId}/1`, jobId, syncNumber: 1, source: 'src', t0: ts(1000), collections: [], createdAt: new Date(), consistentAt: ts(1020) });
      // Ten slices chained from T0: (1000, 1010], (1010, 1020], ... (1090, 1100].
      for (let s = 1000; s < 1100; s += 10) {
        await suite.cat().catalog.slices.record({
          _id: `slices/${jobId}/oplog/${s}`, jobId, stream: 'oplog', syncNumber: 1, seq: s, count: 1, bytes: 1, storedBytes: 1, sha256: 'x', store: 's',
          firstTs: ts(s + 5), lastTs: ts(s + 10), prevTs: ts(s), createdAt: new Date(),
        });
      }
      await suite.cat().catalog.snapshots.record({
        _id: snapshotId(jobId, ts(1055)), jobId, syncNumber: 1, ts: ts(1055), store: 's', manifestKey: manifestKey(jobId, ts(1055)), compression: 'zstd',
        encryption: 'none', collections: 0, documents: 0, bytes: 0, chunks: 0, newChunks: 0, newStoredBytes: 0, createdAt: new Date(),
      });
      assert.equal((await checkJobCoverage(suite.cat().catalog, jobId, 1)).ok, true, 'the whole chain before groom');

      const r = await expireSnapshots({ catalog: suite.cat().catalog, jobId, policy: RetentionPolicy.parse({}), now: 1100_000, storeOf: () => t.store });
      assert.equal(r.sliceFloor, tsToString(ts(1055)), 'the only snapshot is the point-in-time base');
      assert.equal(r.slicesDeleted, 5, 'the slices ending before it are deleted');
      const groomed = await checkJobCoverage(suite.cat().catalog, jobId, 1);
      assert.deepEqual(groomed.holes, [], 'the groomed prefix is not a hole');
      assert.equal(groomed.from, tsToString(ts(1050)));
      assert.equal(groomed.slices, 5);

      await suite.cat().catalog.slices.delete(`slices/${jobId}/oplog/1070`);
      const holed = await checkJobCoverage(suite.cat().catalog, jobId, 1);
      assert.deepEqual(holed.holes.map((h) => h.after), [tsToString(ts(1070))], 'a slice lost after the base is a hole');
    } finally {
      await t.cleanup();
    }
  });
});
