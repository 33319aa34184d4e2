// insertDocs (the initial sync's build step) writes each document byte for byte, field order included.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BSON, Int32, type MongoClient } from 'mongodb';
import { insertDocs } from '../../src/head/insert-docs.js';
import { mongoClient, uniqueName, withService } from '../harness/services.js';

describe('insertDocs', () => {
  let head: MongoClient;
  const db = uniqueName('hw_insert_docs');
  before(async () => {
    head = mongoClient('head');
    await withService('head', () => head.connect());
  });
  after(async () => {
    await head.db(db).dropDatabase();
    await head.close();
  });

  it('keeps integer-like field names where they were, top level and nested', async () => {
    const nested = new Map<string, unknown>([['b', 1], ['7', new Int32(2)]]);
    const doc = BSON.serialize(new Map<string, unknown>([['_id', new Int32(1)], ['name', 'x'], ['2023', new Int32(5)], ['sub', nested]]));
    const coll = head.db(db).collection('c');
    assert.equal(await insertDocs(coll, [doc]), 1);
    const [stored] = (await coll.find({}, { raw: true }).toArray()) as unknown as Uint8Array[];
    assert.deepEqual(Buffer.from(stored!), Buffer.from(doc));
  });

  it('tolerates documents a retried build already inserted', async () => {
    const coll = head.db(db).collection('d');
    const docs = [1, 2, 3].map((i) => BSON.serialize({ _id: new Int32(i), v: i }));
    assert.equal(await insertDocs(coll, docs.slice(0, 2)), 2);
    assert.equal(await insertDocs(coll, docs), 1);
    assert.equal(await coll.countDocuments(), 3);
  });
});
