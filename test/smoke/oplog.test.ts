import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp, type MongoClient } from 'mongodb';
import { mongoClient, uniqueName, withService } from '../harness/services.js';

describe('smoke: source replica set oplog', () => {
  let client: MongoClient;
  before(async () => {
    client = mongoClient('source');
    await withService('source', () => client.db('admin').command({ ping: 1 }));
  });
  after(async () => client?.close());

  it('shows a write on the source as an entry read through a tailable awaitData cursor', async () => {
    const oplog = client.db('local').collection('oplog.rs');
    const hello = await client.db('admin').command({ hello: 1 });
    assert.equal(hello.setName, 'rs0', 'the source is a replica set');
    const [last] = await oplog.find({}).sort({ $natural: -1 }).limit(1).toArray();
    const since = (last?.ts as Timestamp | undefined) ?? new Timestamp({ t: 0, i: 0 });

    const dbName = uniqueName('smoke');
    const cursor = oplog.find(
      { ts: { $gt: since }, ns: `${dbName}.things` },
      { tailable: true, awaitData: true },
    );
    await client
      .db(dbName)
      .collection('things')
      .insertOne({ _id: 'probe' as never, n: 42 });
    const entry = await withTimeout(cursor.next(), 10_000);
    await cursor.close();
    await client.db(dbName).dropDatabase();

    assert.ok(entry, 'an oplog entry arrived');
    assert.equal(entry.op, 'i');
    assert.equal(entry.ns, `${dbName}.things`);
    assert.deepEqual(entry.o, { _id: 'probe', n: 42 });
    assert.ok(entry.ts instanceof Timestamp && entry.ts.gt(since));
  });
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no oplog entry within ${ms} ms`)), ms).unref(),
    ),
  ]);
}
