/**
 * The catalog's own queries that modules used to run on `Catalog.db` directly (issue 13: no module reaches
 * into it): what terminate deletes (removeJobData) and what the metrics endpoint sums (catalogFigures), on
 * the real catalog service. A job whose id is another's with a '.' for one character checks that the
 * missing-document records are matched by the job's literal id, not as a pattern.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { catalogFigures } from '../../src/activities/catalog-figures.js';
import type { SliceRecord } from '../../src/catalog/slices.js';
import { removeJobData } from '../../src/job/remove-job-data.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { manifestKey } from '../../src/store/layout.js';
import { makeStore, newJobId, useTestCatalog } from '../snapshot/fixtures.js';

const ts = (s: number) => new Timestamp({ t: 1_700_000_000 + s, i: 1 });

describe('catalog queries', () => {
  const suite = useTestCatalog();
  const catalog = () => suite.cat().catalog;

  async function job(jobId: string, o: { oplog: Array<{ first: number; last: number; storedBytes: number }>; syncSlices: number; snapshots: Array<{ newChunks: number; newStoredBytes: number }> }) {
    const store = await makeStore('fs', suite.head());
    await catalog().syncs.recordPlan({ _id: `${jobId}/1`, jobId, syncNumber: 1, source: 'src', t0: ts(0), collections: [], createdAt: new Date() });
    await catalog().syncs.addMissing(jobId, 1, [{ ns: 'app.c', _id: 1 }]);
    const slice = async (rec: Omit<SliceRecord, 'jobId' | 'count' | 'bytes' | 'sha256' | 'store' | 'createdAt'>) => {
      await store.store.put(rec._id, Buffer.from(rec._id));
      await catalog().slices.record({ jobId, count: 1, bytes: 1, sha256: 'x', store: 'fs', createdAt: new Date(), ...rec });
    };
    for (const [seq, s] of o.oplog.entries()) {
      await slice({ _id: `slices/${jobId}/sync-1/oplog/${seq}`, stream: 'oplog', syncNumber: 1, seq, storedBytes: s.storedBytes, firstTs: ts(s.first), lastTs: ts(s.last), prevTs: ts(s.first - 1) });
    }
    for (let seq = 0; seq < o.syncSlices; seq++) await slice({ _id: `slices/${jobId}/sync-1/coll/${seq}`, stream: 'sync-1', seq, storedBytes: 5 });
    for (const [i, s] of o.snapshots.entries()) {
      await store.store.put(manifestKey(jobId, ts(100 + i)), Buffer.from('{}'));
      await catalog().snapshots.record({
        _id: snapshotId(jobId, ts(100 + i)), jobId, syncNumber: 1, ts: ts(100 + i), store: 'fs', manifestKey: manifestKey(jobId, ts(100 + i)), compression: 'zstd',
        encryption: 'none', collections: 0, documents: 0, bytes: 0, chunks: 0, newChunks: s.newChunks, newStoredBytes: s.newStoredBytes, createdAt: new Date(),
      });
    }
    return store;
  }

  it("terminate's removeJobData deletes the job's slices, snapshots, sync plans and missing records, and nothing of another job", async () => {
    const base = newJobId('q').slice(0, 16);
    const doomed = `${base}.a`;
    const kept = `${base}xa`; // matches '^<doomed>/' if the id were taken as a pattern
    const store = await job(doomed, { oplog: [{ first: 1, last: 9, storedBytes: 10 }], syncSlices: 1, snapshots: [{ newChunks: 1, newStoredBytes: 1 }] });
    await job(kept, { oplog: [{ first: 1, last: 9, storedBytes: 10 }], syncSlices: 1, snapshots: [{ newChunks: 1, newStoredBytes: 1 }] });
    try {
      const out = await removeJobData({ catalog: catalog(), head: suite.head(), jobId: doomed, storeOf: () => store.store });
      const { sweeps, ...removed } = out as typeof out & { sweeps?: Record<string, unknown> };
      assert.deepEqual(removed, { snapshots: 1, slices: 2, syncs: 1, headDatabases: [] });
      assert.deepEqual(Object.keys(sweeps ?? {}), ['fs'], 'the store its snapshot used is swept');
      assert.deepEqual(await catalog().slices.keysOfJob(doomed), []);
      assert.deepEqual(await catalog().snapshots.list(doomed), []);
      assert.equal(await catalog().syncs.find(doomed, 1), undefined);
      assert.deepEqual(await catalog().syncs.unfetched(doomed, 1), []);
      const objects = [];
      for await (const e of store.store.list('')) objects.push(e.key);
      assert.deepEqual(objects, [], 'slice objects and manifests are deleted from the store');

      assert.deepEqual((await catalog().slices.keysOfJob(kept)).map((s) => s.store), ['fs', 'fs']);
      assert.equal((await catalog().snapshots.list(kept)).length, 1);
      assert.notEqual(await catalog().syncs.find(kept, 1), undefined);
      assert.deepEqual(await catalog().syncs.unfetched(kept, 1), [{ ns: 'app.c', _id: 1 }], "the other job's missing records stay");
    } finally {
      await store.cleanup();
    }
  });

  it('catalogFigures sums slices per kind and snapshots per job, and reads the newest oplog slice', async () => {
    const jobId = newJobId('f');
    const store = await job(jobId, {
      // Capture order is by first entry: the slice first at 20 is the newest though it was recorded first.
      oplog: [{ first: 20, last: 29, storedBytes: 30 }, { first: 10, last: 19, storedBytes: 12 }],
      syncSlices: 3,
      snapshots: [{ newChunks: 3, newStoredBytes: 100 }, { newChunks: 4, newStoredBytes: 200 }],
    });
    try {
      const figures = (await catalogFigures(catalog())).jobs.find((j) => j.jobId === jobId);
      assert.deepEqual(figures, {
        jobId,
        slices: { oplog: 2, sync: 3 },
        sliceBytes: 30 + 12 + 3 * 5,
        snapshots: 2,
        chunks: 7,
        snapshotBytes: 300,
        capturedThrough: ts(29).high,
      });
    } finally {
      await store.cleanup();
    }
  });
});
