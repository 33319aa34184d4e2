import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Binary, MongoClient } from 'mongodb';
import { InvalidConfig, ServiceUnavailable } from '../../src/errors/domain-errors.js';
import { MongoBlobStore, type MongoBlobStoreOptions } from '../../src/store/mongo-blob-store.js';
import { mongoClient, uniqueName, withService } from '../harness/services.js';
import { blobStoreConformance, listAll, sha256, streamOf } from './blob-store.conformance.js';
import { corruptMongoObject } from './corrupt.js';

const KiB = 1024;

blobStoreConformance('mongo (ferretdb head)', async () => {
  const client = mongoClient('head');
  const database = uniqueName('hw_blobstore');
  const store = new MongoBlobStore(client, database, { label: 'head' });
  return {
    store,
    corrupt: (key) => corruptMongoObject(store, key),
    dispose: async () => {
      await store.close();
      await client.db(database).dropDatabase();
      await client.close();
    },
  };
});

describe('MongoBlobStore', () => {
  const client = mongoClient('head');
  const databases: string[] = [];
  /** A store with small parts, so that multi-part behaviour is cheap to exercise. */
  const open = (options: MongoBlobStoreOptions = { inlineMaxBytes: 64 * KiB, partSizeBytes: 16 * KiB }) => {
    const database = uniqueName('hw_blobstore');
    databases.push(database);
    return new MongoBlobStore(client, database, { label: 'head', ...options });
  };
  before(() => withService('head', () => client.db('admin').command({ ping: 1 })));
  after(async () => {
    for (const d of databases) await client.db(d).dropDatabase();
    await client.close();
  });

  it('keeps a small object as one document { _id, size, sha256, data }', async () => {
    const store = open();
    const bytes = randomBytes(1000);
    await store.put('chunks/aa/x', bytes);
    const head = await store.heads.findOne({ _id: 'chunks/aa/x' });
    assert.equal(head?.size, 1000);
    assert.equal(head?.sha256, sha256(bytes));
    assert.ok(head?.data instanceof Binary);
    assert.equal(head?.upload, undefined);
    assert.equal(await store.parts.countDocuments(), 0);
    assert.equal(store.describe(), `mongo:head/${store.database}`);
  });

  it('splits a larger object into parts written before its head', async () => {
    const store = open();
    const bytes = randomBytes(100 * KiB + 5);
    await store.put('big/a', bytes);
    const head = await store.heads.findOne({ _id: 'big/a' });
    assert.equal(head?.data, undefined);
    assert.equal(head?.parts, 7, '100 KiB + 5 bytes in 16 KiB parts');
    assert.equal(await store.parts.countDocuments(), 7);
    assert.equal(sha256(await store.get('big/a')), sha256(bytes));
    const streamed = randomBytes(70 * KiB);
    await store.putStream('big/s', streamOf(streamed, 5000));
    assert.equal((await store.heads.findOne({ _id: 'big/s' }))?.parts, 5);
    assert.equal(sha256(await store.get('big/s')), sha256(streamed));
  });

  it('drops the parts of replaced, deleted and aborted objects', async () => {
    const store = open();
    await store.put('p/a', randomBytes(80 * KiB));
    await store.put('p/a', randomBytes(96 * KiB));
    assert.equal(await store.parts.countDocuments(), 6, 'only the parts of the second version');
    await assert.rejects(
      store.putStream('p/b', streamOf(randomBytes(200 * KiB), 8 * KiB, 150 * KiB)),
      /broke/,
    );
    await assert.rejects(
      store.putStream('p/c', streamOf(randomBytes(200 * KiB)), { sha256: '0'.repeat(64) }),
    );
    assert.equal(await store.parts.countDocuments(), 6, 'no parts left by the failed streams');
    await store.delete('p/a');
    assert.equal(await store.parts.countDocuments(), 0);
    assert.deepEqual(await listAll(store, ''), []);
  });

  it('concurrent puts of multi-part objects leave one intact version with all its parts', async () => {
    const store = open();
    const versions = Array.from({ length: 5 }, () => randomBytes(90 * KiB));
    await Promise.all(versions.map((v) => store.put('race/k', v)));
    const got = sha256(await store.get('race/k'));
    assert.ok(versions.some((v) => sha256(v) === got));
    const head = await store.heads.findOne({ _id: 'race/k' });
    const own = await store.parts.countDocuments({
      _id: { $gte: `${head?.upload}/`, $lt: `${head?.upload}0` },
    });
    assert.equal(own, head?.parts);
    // On MongoDB no other parts remain; FerretDB 1.24 may keep some of the losers' (see commit()).
    assert.ok((await store.parts.countDocuments()) < versions.length * 6);
  });

  it('a reader racing a replacement gets one whole version, never a mix or an error', async () => {
    const store = open();
    const large = randomBytes(400 * KiB);
    const small = randomBytes(1 * KiB);
    const allowed = new Set([sha256(large), sha256(small)]);
    for (let i = 0; i < 5; i++) {
      await store.put('race/r', large);
      // The reader starts first; the quick inline put replaces the head and drops its parts mid-read.
      const reading = store.get('race/r');
      const [got] = await Promise.all([reading, store.put('race/r', small)]);
      assert.ok(allowed.has(sha256(got)), `round ${i}`);
    }
  });

  it('refuses part and inline sizes that do not fit in a document', () => {
    assert.throws(() => open({ inlineMaxBytes: 16 * 1024 * KiB }), InvalidConfig);
    assert.throws(() => open({ partSizeBytes: 100 }), InvalidConfig);
  });

  it('reports an unreachable deployment as ServiceUnavailable', async () => {
    const down = new MongoClient('mongodb://127.0.0.1:9/?directConnection=true', {
      serverSelectionTimeoutMS: 300,
    });
    const store = new MongoBlobStore(down, 'nowhere');
    await assert.rejects(store.get('a'), ServiceUnavailable);
    await assert.rejects(store.put('a', Buffer.from('x')), ServiceUnavailable);
    await down.close();
  });
});
