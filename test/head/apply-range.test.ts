import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MongoClient, Timestamp } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import type { SliceRecord } from '../../src/catalog/slices.js';
import { applyOplogRange } from '../../src/head/apply-range.js';
import { headDbName } from '../../src/head/head-names.js';
import { encode } from '../../src/lib/bson.js';
import { mongoClient, uniqueName } from '../harness/services.js';

const ts = (t: number) => new Timestamp({ t, i: 1 });

describe('applyOplogRange: bounded calls', () => {
  let head: MongoClient;
  let catalog: Catalog;
  const catalogDb = uniqueName('cat');
  const jobId = uniqueName('ar').replace(/_/g, '-');
  const srcDb = 'app';
  const headDb = () => headDbName(jobId, 1, srcDb);
  const bodies = new Map<string, Uint8Array[]>();

  before(async () => {
    head = mongoClient('head');
    catalog = new Catalog(head, catalogDb);
    // Five oplog slices chained by prevTs, two inserts each.
    for (let s = 0; s < 5; s += 1) {
      const entries = [0, 1].map((k) =>
        encode({ op: 'i', ns: `${srcDb}.c`, ts: ts(100 + s * 2 + k), o: { _id: s * 2 + k, v: s } }),
      );
      const rec: SliceRecord = {
        _id: `${jobId}/oplog/${s}`,
        jobId,
        stream: 'oplog',
        seq: s,
        count: 2,
        bytes: 0,
        storedBytes: 0,
        sha256: '0',
        store: 'test',
        firstTs: ts(100 + s * 2),
        lastTs: ts(101 + s * 2),
        prevTs: ts(99 + s * 2),
        createdAt: new Date(Date.now() + s),
      };
      bodies.set(rec._id, entries);
      await catalog.slices.record(rec);
    }
  });
  after(async () => {
    await head.db(catalogDb).dropDatabase();
    await head.db(headDb()).dropDatabase();
    await head.close();
  });

  const run = (afterTs: Timestamp, maxSlices: number, deadline?: number) =>
    applyOplogRange({
      jobId,
      syncNumber: 1,
      namespaces: new Set([`${srcDb}.c`]),
      head,
      catalog,
      read: async (rec) => bodies.get(rec._id)!,
      afterTs,
      untilTs: ts(1000),
      maxSlices,
      deadline,
    });

  it('applies at most maxSlices per call and the next call continues from `through`', async () => {
    const first = await run(ts(99), 2);
    assert.equal(first.entries, 4);
    assert.ok(first.through.equals(ts(103)), `through ${first.through.toString()}`);
    assert.equal(await head.db(headDb()).collection('c').countDocuments(), 4);

    const second = await run(first.through, 2);
    assert.equal(second.entries, 4);
    assert.ok(second.through.equals(ts(107)));

    const third = await run(second.through, 2);
    assert.equal(third.entries, 2);
    assert.ok(third.through.equals(ts(109)));
    const ids = (await head.db(headDb()).collection('c').find().sort({ _id: 1 }).toArray()).map((d) => d._id);
    assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const none = await run(third.through, 2);
    assert.equal(none.entries, 0);
    assert.ok(none.through.equals(third.through), 'nothing left: through does not move');
  });

  it('stops at the first slice boundary after the deadline, never before applying one slice', async () => {
    const r = await run(ts(99), 10, Date.now() - 1);
    assert.equal(r.entries, 2, 'exactly one slice is applied past an expired deadline');
    assert.ok(r.through.equals(ts(101)));
  });
});
