import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp, type MongoClient } from 'mongodb';
import { ChecksumMismatch, NotFound } from '../../src/errors/domain-errors.js';
import { encode } from '../../src/lib/bson.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import type { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { mongoClient } from '../harness/services.js';
import { corruptFsObject } from '../store/corrupt.js';
import { makeStore, newJobId, testCatalog, type TestStore } from '../snapshot/fixtures.js';

const ts = (t: number) => new Timestamp({ t, i: 1 });

describe('SliceStore', () => {
  let head: MongoClient;
  let cat: ReturnType<typeof testCatalog>;
  let fs: TestStore;
  const jobId = newJobId('ss');
  before(async () => {
    head = mongoClient('head');
    cat = testCatalog(head);
    fs = await makeStore('fs', head);
  });
  after(async () => {
    await cat.drop();
    await fs.cleanup();
    await head.close();
  });

  it('records an oplog slice only once its object is stored, and reads it back byte for byte', async () => {
    const entries = [1, 2, 3].map((n) => encode({ op: 'i', ns: 'a.b', ts: ts(100 + n), o: { _id: n } }));
    const failing: BlobStore = { ...fs.store, put: async () => Promise.reject(new Error('disk full')) } as BlobStore;
    await assert.rejects(new SliceStore(() => failing, cat.catalog.slices).writeOplogSlice({ jobId, sliceStore: 'fs' }, { entries, walls: [], firstTs: ts(101), lastTs: ts(103), prevTs: ts(100) }), /disk full/);
    assert.equal((await cat.catalog.slices.oplog(jobId)).length, 0, 'no record without its object');

    const slices = new SliceStore(() => fs.store, cat.catalog.slices);
    await slices.writeOplogSlice({ jobId, sliceStore: 'fs' }, { entries, walls: [], firstTs: ts(101), lastTs: ts(103), prevTs: ts(100) });
    const [rec] = await cat.catalog.slices.oplogBetween(jobId, ts(100), ts(101));
    assert.ok(rec !== undefined && rec.lastTs!.equals(ts(103)) && rec.count === 3);
    assert.deepEqual((await slices.read(rec)).map((d) => Buffer.from(d)), entries.map((d) => Buffer.from(d)));
    assert.deepEqual(await cat.catalog.slices.oplogBetween(jobId, ts(100), ts(100)), [], 'the upper bound is exclusive');

    await corruptFsObject(fs.store as FsBlobStore, rec._id);
    await assert.rejects(slices.read(rec), (e) => e instanceof ChecksumMismatch && e.message.includes(rec._id));
    await fs.store.delete(rec._id);
    await cat.catalog.slices.delete(rec._id);
    await assert.rejects(slices.read(rec), NotFound);
    assert.equal((await cat.catalog.slices.oplog(jobId)).length, 0);
  });
});
