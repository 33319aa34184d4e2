/**
 * The soak's bounds check (bench/harness/bounds-writer.ts): which counters a restore to a second must hold
 * (acknowledged before the next second: all; first sent at or after it: none; the one in flight: either),
 * checked on a real collection of the head service.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MongoClient } from 'mongodb';
import { BoundsWriter, checkBounds } from '../../bench/harness/bounds-writer.js';
import { mongoClient, uniqueName } from '../harness/services.js';

describe('bounds check (soak)', () => {
  let head: MongoClient;
  const db = uniqueName('soak_bounds');
  before(() => {
    head = mongoClient('head');
  });
  after(async () => {
    await head.db(db).dropDatabase();
    await head.close();
  });

  it('takes kMin from acknowledgements and kMax from sends before the next second', () => {
    const w = BoundsWriter.on(head, db);
    // Counter 3 is sent in second 100 and acknowledged in second 101: in flight across the edge.
    w.sentAt.push(100_100, 100_500, 100_900, 101_200);
    w.ackAt.push(100_200, 100_600, 101_050, 101_300);
    assert.deepEqual(w.expectedAt(100), { kMin: 2, kMax: 3 });
    assert.deepEqual(w.expectedAt(101), { kMin: 4, kMax: 4 });
    assert.deepEqual(w.expectedAt(99), { kMin: 0, kMax: 0 });
  });

  it('counts missing counters as lost and later or repeated ones as in excess', async () => {
    const coll = head.db(db).collection<{ _id: number }>('c');
    await coll.insertMany([1, 2, 3].map((_id) => ({ _id })));
    assert.deepEqual(await checkBounds(coll, { kMin: 2, kMax: 3 }), { lost: 0, duplicated: 0, k: 3 });
    assert.deepEqual(await checkBounds(coll, { kMin: 3, kMax: 4 }), { lost: 0, duplicated: 0, k: 3 });
    assert.deepEqual(await checkBounds(coll, { kMin: 4, kMax: 4 }), { lost: 1, duplicated: 0, k: 3 });
    assert.deepEqual(await checkBounds(coll, { kMin: 1, kMax: 2 }), { lost: 0, duplicated: 1, k: 2 });
    await coll.deleteOne({ _id: 2 });
    assert.deepEqual(await checkBounds(coll, { kMin: 1, kMax: 3 }), { lost: 1, duplicated: 0, k: 3 }, 'a gap below the highest counter is lost');
  });
});
