import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BSON, type Document, type MongoClient } from 'mongodb';
import { decodeRaw } from '../../../src/lib/bson.js';
import { OplogApplier } from '../../../src/oplog/apply/index.js';
import { digest } from '../../harness/compare.js';
import { mongoClient, uniqueName, withService } from '../../harness/services.js';

/** What the application does on the source; FerretDB logs it as i, u ({$v:1, $set: whole document}) and d. */
async function workload(client: MongoClient, db: string): Promise<void> {
  const items = client.db(db).collection<{ _id: number | string } & Document>('items');
  await items.insertMany(
    Array.from({ length: 40 }, (_, k) => ({
      _id: k,
      sku: `S-${k}`,
      qty: new BSON.Int32(k),
      price: new BSON.Double(k + 0.5),
      tags: ['a', 'b'],
      dims: { h: k, w: 2 * k },
      at: new Date(1_717_243_200_000 + k),
    })),
  );
  await items.updateOne({ _id: 1 }, { $set: { 'dims.h': 99, note: 'x' }, $unset: { price: '' } });
  await items.updateOne({ _id: 2 }, { $push: { tags: 'c' }, $inc: { qty: 5 } } as Document);
  await items.updateMany({ _id: { $lt: 10 } }, { $set: { flag: true } });
  await items.replaceOne({ _id: 3 }, { sku: 'S-3', replaced: true });
  await items.deleteOne({ _id: 4 });
  await items.deleteMany({ _id: { $gte: 30 } });
  await items.insertOne({ _id: 'late', n: BSON.Long.fromNumber(1) });
  await items.updateOne({ _id: 'late' }, { $unset: { n: '' } });
}

describe('applying the oplog FerretDB writes, end to end', () => {
  let source: MongoClient;
  let head: MongoClient;
  const db = uniqueName('oplogsrc');
  const headDb = uniqueName('oploghead');
  before(async () => {
    source = mongoClient('source');
    head = mongoClient('head');
    await withService('source', () => source.db('admin').command({ ping: 1 }));
    await withService('head', () => head.db('admin').command({ ping: 1 }));
  });
  after(async () => {
    await source?.db(db).dropDatabase();
    await head?.db(headDb).dropDatabase();
    await source?.close();
    await head?.close();
  });

  it('makes the head equal to the source, and a replay changes nothing', async () => {
    await workload(source, db);
    const raw = await source
      .db('local')
      .collection('oplog.rs')
      .find({ ns: `${db}.items` }, { raw: true })
      .sort({ $natural: 1 })
      .toArray();
    const entries = (raw as unknown as Uint8Array[]).map(decodeRaw);
    assert.ok(
      entries.some((e) => e.op === 'u') && entries.some((e) => e.op === 'd'),
      'the workload logged updates and deletes',
    );

    const applier = new OplogApplier(head, { mapNamespace: () => ({ db: headDb, coll: 'items' }) });
    const result = await applier.apply(entries);
    assert.equal(result.applied, entries.length);
    assert.deepEqual(result.missing, []);
    const want = await digest(source, db, 'items');
    assert.deepEqual(await digest(head, headDb, 'items'), want);

    await applier.apply(entries);
    assert.deepEqual(await digest(head, headDb, 'items'), want);
  });
});
