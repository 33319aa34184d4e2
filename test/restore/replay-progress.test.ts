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
    assert.deepEqual(await catalog.restores.claimReplay(restoreId, 'run/1', 1), { claimed: true });
    assert.equal(await catalog.restores.saveReplay(restoreId, toCheckpoint(progress, { owner: 'run/1', attempt: 1 })), true);
    const saved = (await catalog.restores.find(restoreId))!.replay!;
    assert.equal(saved.owner, 'run/1');
    const back = fromCheckpoint(saved);
    const { state, indexFailures, commandFailures, events, ...counts } = back;
    const { state: s0, indexFailures: i0, commandFailures: c0, events: e0, ...counts0 } = progress;
    assert.deepEqual(counts, counts0);
    assert.deepEqual(Buffer.from(encodeOrdered({ state, indexFailures, commandFailures, events })), Buffer.from(encodeOrdered({ state: s0, indexFailures: i0, commandFailures: c0, events: e0 })), 'byte for byte');
    // A record closed by its workflow keeps the progress it had.
    await catalog.restores.end(restoreId, 'failed', { type: 'Cancelled', message: 'cancelled', phase: 'replaying oplog' });
    assert.equal(await catalog.restores.saveReplay(restoreId, toCheckpoint({ ...progress, slices: 4 }, { owner: 'run/1', attempt: 1 })), false);
    assert.equal((await catalog.restores.find(restoreId))!.replay!.slices, 3);
  });

  it('is fenced by attempt: a later attempt claims it with its progress, an earlier one is refused its saves and its claim', async () => {
    const restoreId = uniqueName('replay-fence');
    await catalog.restores.begin({ _id: restoreId, jobId: 'x', snapshotId: 'x/1.1', target: 'target', namespaces: [], toTs: '1700000200.1' });
    const at = (slices: number): ReplayProgress => ({
      slices, sliceId: `job/x/oplog/${slices}`, through: new Timestamp({ t: 1_700_000_100 + slices, i: 1 }), state: { pendingTransactions: [], collectionUuids: [] },
      entries: slices * 10, leftOut: 0, overlapped: 0, indexFailures: [], commandFailures: [], events: { goneCollections: [], goneDatabases: [], droppedIndexes: {} },
    });
    const save = (slices: number, attempt: number, owner = 'run/1') => catalog.restores.saveReplay(restoreId, toCheckpoint(at(slices), { owner, attempt }));
    assert.deepEqual(await catalog.restores.claimReplay(restoreId, 'run/1', 1), { claimed: true });
    assert.equal(await save(10, 1), true);
    // Attempt 2 starts while attempt 1 runs on: it takes over at attempt 1's slice 10.
    const second = await catalog.restores.claimReplay(restoreId, 'run/1', 2);
    assert.ok(second.claimed && second.checkpoint !== undefined);
    assert.equal(second.checkpoint.slices, 10);
    // Attempt 1 gets further and saves: refused; the record keeps the position attempt 2 holds.
    assert.equal(await save(30, 1), false);
    assert.equal((await catalog.restores.find(restoreId))!.replay!.slices, 10);
    assert.deepEqual(await catalog.restores.claimReplay(restoreId, 'run/1', 1), { claimed: false, holder: { owner: 'run/1', attempt: 2 } });
    assert.equal(await save(15, 2), true);
    // Attempt 3 goes on from attempt 2's save.
    const third = await catalog.restores.claimReplay(restoreId, 'run/1', 3);
    assert.equal(third.claimed && third.checkpoint?.slices, 15);
    assert.equal(await save(16, 2), false);
    // Another activity (a reset workflow's) takes the replay fresh, without this one's progress, and fences it out.
    assert.deepEqual(await catalog.restores.claimReplay(restoreId, 'run/2', 1), { claimed: true });
    assert.equal(await save(17, 3), false);
    const rec = (await catalog.restores.find(restoreId))!;
    assert.deepEqual([rec.replay, rec.replayClaim], [undefined, { owner: 'run/2', attempt: 1 }]);
  });
});
