import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Long, type MongoClient, Timestamp, UUID } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import type { SliceRecord } from '../../src/catalog/slices.js';
import { applyOplogRange } from '../../src/head/apply-range.js';
import { headDbName } from '../../src/head/head-names.js';
import { encode } from '../../src/lib/bson.js';
import { NamespaceFilter } from '../../src/source/namespace-filter.js';
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

describe('applyOplogRange: the sync\'s filter decides what reaches the head, whatever the slices hold', () => {
  let head: MongoClient;
  let catalog: Catalog;
  const catalogDb = uniqueName('cat');
  const jobId = uniqueName('af').replace(/_/g, '-');
  const body: Uint8Array[] = [];
  const at = (i: number) => new Timestamp({ t: 1717243200, i });
  const meta = (i: number, uuid: string) => ({
    ui: new UUID(uuid),
    ts: at(i),
    t: Long.fromNumber(1),
    v: Long.fromNumber(2),
    wall: new Date(1717243200000 + i),
  });
  const idIndex = { v: 2, key: { _id: 1 }, name: '_id_' };

  before(async () => {
    head = mongoClient('head');
    catalog = new Catalog(head, catalogDb);
    // One slice as a capture with no filter of its own would hold it: an excluded collection of a planned
    // database, a database created after the sync that the filter includes, and one it does not.
    const app = '0a3c1f0e-8b2d-4e6f-9a1b-2c3d4e5f6a70';
    const secret = '0a3c1f0e-8b2d-4e6f-9a1b-2c3d4e5f6a71';
    const later = '0a3c1f0e-8b2d-4e6f-9a1b-2c3d4e5f6a72';
    const other = '0a3c1f0e-8b2d-4e6f-9a1b-2c3d4e5f6a73';
    const entries = [
      { op: 'c', ns: 'app.$cmd', o: { create: 'secret', idIndex }, ...meta(1, secret) },
      { op: 'i', ns: 'app.c', o: { _id: 100, v: 'kept' }, o2: { _id: 100 }, ...meta(2, app) },
      { op: 'i', ns: 'app.secret', o: { _id: 1, pin: '1234' }, o2: { _id: 1 }, ...meta(3, secret) },
      { op: 'c', ns: 'later.$cmd', o: { create: 'x', idIndex }, ...meta(4, later) },
      { op: 'i', ns: 'later.x', o: { _id: 1, v: 'followed' }, o2: { _id: 1 }, ...meta(5, later) },
      { op: 'c', ns: 'other.$cmd', o: { create: 'y', idIndex }, ...meta(6, other) },
      { op: 'i', ns: 'other.y', o: { _id: 1 }, o2: { _id: 1 }, ...meta(7, other) },
      { op: 'u', ns: 'app.secret', o: { $v: 2, diff: { u: { pin: '9999' } } }, o2: { _id: 1 }, ...meta(8, secret) },
    ];
    body.push(...entries.map((e) => encode(e)));
    await catalog.slices.record({
      _id: `${jobId}/oplog/0`, jobId, stream: 'oplog', seq: 0, count: entries.length, bytes: 0, storedBytes: 0,
      sha256: '0', store: 'test', firstTs: at(1), lastTs: at(8), prevTs: at(0), createdAt: new Date(),
    });
  });
  after(async () => {
    await head.db(catalogDb).dropDatabase();
    for (const db of ['app', 'later', 'other']) await head.db(headDbName(jobId, 1, db)).dropDatabase();
    await head.close();
  });

  it('keeps an excluded collection out, follows an included database created after the sync, and leaves the rest', async () => {
    const r = await applyOplogRange({
      jobId,
      syncNumber: 1,
      namespaces: new Set(['app.c']),
      filter: new NamespaceFilter({ include: ['app', 'later'], exclude: ['app.secret'] }),
      head,
      catalog,
      read: async () => body,
      afterTs: at(0),
      untilTs: at(100),
    });
    assert.ok(r.through.equals(at(8)), `through ${r.through.toString()}`);
    const names = async (db: string) => (await head.db(headDbName(jobId, 1, db)).listCollections().toArray()).map((c) => c.name).sort();
    assert.deepEqual(await names('app'), ['c'], 'app.secret: not created, not written');
    assert.deepEqual(await head.db(headDbName(jobId, 1, 'app')).collection('c').find().toArray(), [{ _id: 100, v: 'kept' }]);
    assert.deepEqual(await head.db(headDbName(jobId, 1, 'later')).collection('x').find().toArray(), [{ _id: 1, v: 'followed' }]);
    assert.deepEqual(await names('other'), [], 'a database the filter does not include');
  });
});
