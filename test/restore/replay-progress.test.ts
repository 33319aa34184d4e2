import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Double, Int32, Long, Timestamp, UUID, type MongoClient } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import { decodeOrdered, encodeOrdered } from '../../src/lib/bson.js';
import { fromCheckpoint, toCheckpoint, type ReplayProgress } from '../../src/restore/replay-progress.js';
import { mongoClient, uniqueName } from '../harness/services.js';

describe('replay progress in the restore record', () => {
  let client: MongoClient;
  let catalog: Catalog;
  const db = uniqueName('hw_cat_rp');
  before(async () => {
    client = mongoClient('head');
    catalog = new Catalog(client, db);
    await catalog.ensureIndexes();
  });
  after(async () => {
    await client.db(db).dropDatabase();
    await client.close();
  });

  it('comes back from the catalog as saved: BSON types, field order and $-prefixed names intact', async () => {
    // An open transaction's applyOps entry as a MongoDB 6.0 primary logs it (a $v:2 update), a document
    // whose field order a JS object would change, and a partial index the target refused.
    const update = { op: 'u', ns: 'src.a', ui: new UUID(), o: { $v: new Int32(2), diff: { u: { n: new Double(1) } } }, o2: { _id: new Long(7) } };
    const insert = { op: 'i', ns: 'src.a', ui: new UUID(), o: { _id: new Int32(8), b: 'x', '2023': new Int32(1) } };
    const progress: ReplayProgress = {
      slices: 3,
      sliceId: 'job/x/oplog/000003',
      through: new Timestamp({ t: 1_700_000_100, i: 4 }),
      state: {
        pendingTransactions: [{ key: '{"lsid":{"id":1},"txnNumber":1}', prepared: false, entries: [decodeOrdered(encodeOrdered(update)), decodeOrdered(encodeOrdered(insert))] }],
        collectionUuids: [{ ui: 'c0ffee', ns: 'src.a', since: '1700000100.2', byCommand: true }],
      },
      entries: 700,
      leftOut: 0,
      overlapped: 25,
      last: { ts: new Timestamp({ t: 1_700_000_100, i: 3 }), ns: 'src.a' },
      indexFailures: [{ ns: 'src.a', index: 'n_1', spec: { key: { n: new Int32(1) }, name: 'n_1', partialFilterExpression: { n: { $gt: new Int32(5) } } }, error: 'not supported' }],
      commandFailures: [{ ns: 'src.$cmd', command: 'collMod', error: 'not supported' }],
      events: { goneCollections: ['src.old'], goneDatabases: [], droppedIndexes: { 'src.a': ['m_1'] } },
    };
    const restoreId = 'replay-progress-1';
    await catalog.restores.begin({ _id: restoreId, jobId: 'x', snapshotId: 'x/1.1', target: 'target', namespaces: [], toTs: '1700000200.1' });
    await catalog.restores.saveReplay(restoreId, toCheckpoint(progress, 'run/1'));
    const saved = (await catalog.restores.find(restoreId))!.replay!;
    assert.equal(saved.owner, 'run/1');
    const back = fromCheckpoint(saved);
    const { state, indexFailures, commandFailures, events, ...counts } = back;
    const { state: s0, indexFailures: i0, commandFailures: c0, events: e0, ...counts0 } = progress;
    assert.deepEqual(counts, counts0);
    assert.deepEqual(Buffer.from(encodeOrdered({ state, indexFailures, commandFailures, events })), Buffer.from(encodeOrdered({ state: s0, indexFailures: i0, commandFailures: c0, events: e0 })), 'byte for byte');
    // A record closed by its workflow keeps the progress it had.
    await catalog.restores.end(restoreId, 'failed', { type: 'Cancelled', message: 'cancelled', phase: 'replaying oplog' });
    await catalog.restores.saveReplay(restoreId, toCheckpoint({ ...progress, slices: 4 }, 'run/1'));
    assert.equal((await catalog.restores.find(restoreId))!.replay!.slices, 3);
  });
});
