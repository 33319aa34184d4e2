import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient, Timestamp, type CommandStartedEvent } from 'mongodb';
import type { TailOptions } from '../../src/oplog/tail.js';
import { TailCursors } from '../../src/oplog/tail-cursors.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { services, uniqueName } from '../harness/services.js';
import { insertedIds, tailToFirstSlice } from './tail-fixture.js';

describe('tail cursors kept between calls', () => {
  let source: MongoClient;
  const db = uniqueName('tailkeep');
  const oplogCommands: string[] = [];
  const count = (e: CommandStartedEvent) =>
    void ((e.command.find === 'oplog.rs' || e.command.collection === 'oplog.rs') && oplogCommands.push(e.commandName));
  const finds = () => oplogCommands.filter((c) => c === 'find').length;

  before(() => {
    source = new MongoClient(services.source.uri, { monitorCommands: true });
    source.on('commandStarted', count);
  });
  after(async () => {
    source.off('commandStarted', count);
    await source.db(db).dropDatabase();
    await source.close();
  });

  const insert = async (coll: string, ids: number[]) => {
    for (const n of ids)
      await source
        .db(db)
        .collection(coll)
        .insertOne({ _id: n as never });
  };

  /** One capture call that returns once it wrote a slice, keeping its cursor in `kept`. */
  const call = (afterTs: Timestamp, kept: TailCursors, writeSlice?: TailOptions['writeSlice']) =>
    tailToFirstSlice({ client: source, afterTs, cursors: { kept, key: 'job/1/source' }, writeSlice });

  /** Calls resuming each at the last one's end until `want` writes of `coll` are captured. */
  const captureUntil = async (afterTs: Timestamp, kept: TailCursors, coll: string, want: number) => {
    const ids: number[] = [];
    let at = afterTs;
    for (let n = 0; n < 50 && ids.length < want; n += 1) {
      const { res, slices } = await call(at, kept);
      assert.ok(slices[0]!.prevTs.equals(at), 'each call links to where the last one ended');
      assert.ok(res.lastTs.equals(slices.at(-1)!.lastTs), 'and ends on a slice boundary');
      assert.equal(kept.size, 1, 'a call that ends cleanly leaves its cursor');
      ids.push(...insertedIds(slices, `${db}.${coll}`));
      at = res.lastTs;
    }
    return { ids, lastTs: at };
  };

  it('a call resuming where the last one ended reads on from its cursor: one find, every write once', async () => {
    const kept = new TailCursors();
    const start = await latestOplogTs(source);
    await insert('a', [0, 1, 2]);
    const findsBefore = finds();
    const first = await captureUntil(start, kept, 'a', 3);
    await insert('a', [3, 4, 5]);
    const second = await captureUntil(first.lastTs, kept, 'a', 3);
    assert.deepEqual([...first.ids, ...second.ids], [0, 1, 2, 3, 4, 5], 'every write once, in order');
    assert.equal(finds() - findsBefore, 1, 'only the first call opened a cursor');
    await kept.closeAll();
    assert.equal(kept.size, 0);
  });

  it('a call resuming anywhere else opens its own cursor there', async () => {
    const kept = new TailCursors();
    const start = await latestOplogTs(source);
    await insert('b', [0, 1]);
    const first = await captureUntil(start, kept, 'b', 2);
    // A call from the start again (a retry of an older attempt): the kept cursor is past it.
    const findsBefore = finds();
    const again = await captureUntil(start, kept, 'b', 2);
    assert.equal(finds() - findsBefore, 1, 'a new cursor, not the kept one');
    assert.deepEqual(again.ids, first.ids, 'read from its own afterTs');
    await kept.closeAll();
  });

  it('a call whose slice write failed leaves no cursor, and its retry loses nothing', async () => {
    const kept = new TailCursors();
    const start = await latestOplogTs(source);
    await insert('c', [0, 1]);
    const first = await captureUntil(start, kept, 'c', 1);
    await insert('c', [2, 3]);
    await assert.rejects(
      call(first.lastTs, kept, async () => {
        throw new Error('store unavailable');
      }),
      /store unavailable/,
    );
    assert.equal(kept.size, 0, 'the failed call closed its cursor');
    const findsBefore = finds();
    const retry = await captureUntil(first.lastTs, kept, 'c', 4 - first.ids.length);
    assert.equal(finds() - findsBefore, 1, 'the retry opened a cursor at its anchor');
    assert.deepEqual([...first.ids, ...retry.ids], [0, 1, 2, 3], 'no write lost or repeated');
    await kept.closeAll();
  });

  it('closes a cursor left unused for its idle time', async () => {
    const kept = new TailCursors(50);
    const start = await latestOplogTs(source);
    await insert('d', [0]);
    const killed = new Promise<void>((resolve) => {
      const onKill = (e: CommandStartedEvent) => {
        if (e.commandName !== 'killCursors') return;
        source.off('commandStarted', onKill);
        resolve();
      };
      source.on('commandStarted', onKill);
    });
    await captureUntil(start, kept, 'd', 1);
    await killed;
    assert.equal(kept.size, 0, 'the idle cursor is gone');
  });

  it('is taken only by the client that opened it, at the position it was left at', async () => {
    const kept = new TailCursors();
    const at = await latestOplogTs(source);
    const other = new MongoClient(services.source.uri); // never connected: only its identity matters
    const cursor = () => source.db('local').collection('oplog.rs').find({}, { tailable: true });
    const parked = cursor();
    kept.park('k', source, at, parked);
    assert.equal(kept.take('k', source, at), parked, 'same client, same position');
    kept.park('k', source, at, cursor());
    assert.equal(kept.take('k', other, at), undefined, 'another client');
    assert.equal(kept.size, 0, 'and a cursor that does not fit is closed');
    kept.park('k', source, at, cursor());
    assert.equal(kept.take('k', source, new Timestamp({ t: at.high + 1, i: 0 })), undefined, 'another position');
    assert.equal(kept.take('other', source, at), undefined, 'another key');
    await parked.close();
  });
});
