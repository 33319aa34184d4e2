import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { MongoClient, Timestamp } from 'mongodb';
import { OplogRolledOver } from '../../src/errors/domain-errors.js';
import { serverKind } from '../../src/lib/server-kind.js';
import { tailOplog, type OplogSliceOut, type TailOptions } from '../../src/oplog/tail.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { services, uniqueName } from '../harness/services.js';
import { insertedIds, tailSlices, tailToFirstSlice } from './tail-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tailOplog on the real source', () => {
  let source: MongoClient;
  const db = uniqueName('tail');

  before(() => {
    source = new MongoClient(services.source.uri, { monitorCommands: true });
  });
  after(async () => {
    await source.db(db).dropDatabase();
    await source.close();
  });

  const modes: Array<NonNullable<TailOptions['wait']>> = [{ mode: 'await' }, { mode: 'poll', pollMs: 200 }];
  for (const [k, wait] of modes.entries()) {
    const name = wait.mode;
    it(`captures every write into a chain of slices (${name})`, async () => {
      const coll = `c_${k}`;
      const afterTs = await latestOplogTs(source);
      const slices: OplogSliceOut[] = [];
      const ids = () => insertedIds(slices, `${db}.${coll}`);
      // The tail's clock jumps past its deadline once every write is in a slice: however slow the
      // server is under the rest of the suite, the tail stops after the writes, never in the middle.
      let allSeen = false;
      const tail = tailOplog({
        client: source,
        afterTs,
        deadline: Date.now() + 120_000,
        graceMs: 500,
        sliceMaxBytes: 1024 * 1024,
        sliceMaxAgeMs: 300,
        wait,
        now: () => Date.now() + (allSeen ? 3_600_000 : 0),
        writeSlice: async (s) => {
          slices.push(s);
          allSeen = ids().length >= 40;
        },
      });
      // Two bursts, the second once the first is in a slice: at least two slices however slow the server.
      for (const [from, to] of [
        [0, 20],
        [20, 40],
      ] as const) {
        for (let n = from; n < to; n += 1) {
          await source
            .db(db)
            .collection(coll)
            .insertOne({ _id: n as never });
          await sleep(25);
        }
        for (let i = 0; i < 1200 && ids().length < to; i += 1) await sleep(50);
      }
      const res = await tail;

      assert.deepEqual(
        ids().sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, n) => n),
        'every insert is captured exactly once',
      );
      assert.ok(slices.length >= 2, `a slice per burst at least (${slices.length})`);
      assert.ok(slices[0]!.prevTs.equals(afterTs), 'the first slice links to the resume point');
      for (let i = 1; i < slices.length; i += 1) {
        assert.ok(slices[i]!.prevTs.equals(slices[i - 1]!.lastTs), `slice ${i} links to slice ${i - 1}`);
      }
      assert.ok(res.lastTs.equals(slices.at(-1)!.lastTs));
      assert.equal(
        res.entries,
        slices.reduce((n, s) => n + s.entries.length, 0),
      );
    });
  }

  it('takes the first batch even when the first read outlasts the whole call', async () => {
    // On a loaded machine FerretDB took 28 s to answer a tail's first read; a call that then stopped at
    // its deadline captured nothing, and every later call reopened at the same anchor and did the same.
    const coll = 'slow_first';
    const afterTs = await latestOplogTs(source);
    for (let n = 0; n < 5; n += 1)
      await source
        .db(db)
        .collection(coll)
        .insertOne({ _id: n as never });
    let reads = 0;
    const { res, slices } = await tailSlices({
      client: source,
      afterTs,
      deadlineMs: 60_000,
      graceMs: 0,
      sliceMaxAgeMs: 60_000,
      wait: { mode: 'poll', pollMs: 200 },
      // The clock says an hour has passed from the moment the first read starts.
      now: () => Date.now() + (reads++ >= 1 ? 3_600_000 : 0),
    });
    const ids = insertedIds(slices, `${db}.${coll}`);
    // Other tests write to the source too: the first batch holds at least the first entry after the
    // anchor, and ours in order as far as it reaches.
    assert.ok(res.entries > 0, 'the first batch is captured, not dropped at the deadline');
    assert.deepEqual(ids, [0, 1, 2, 3, 4].slice(0, ids.length), 'in oplog order');
    assert.ok(slices[0]!.prevTs.equals(afterTs), 'linked to the resume point');
    assert.ok(res.lastTs.equals(slices.at(-1)!.lastTs));
  });

  it('with returnAfterMs ends at a slice boundary once it wrote a slice, and the next call goes on from there', async () => {
    const coll = 'early';
    let afterTs = await latestOplogTs(source);
    for (let n = 0; n < 5; n += 1)
      await source
        .db(db)
        .collection(coll)
        .insertOne({ _id: n as never });
    const ids: number[] = [];
    for (let call = 0; call < 20 && ids.length < 5; call += 1) {
      // An hour to the deadline: only the early end can make this call return.
      const running = tailToFirstSlice({ client: source, afterTs });
      // The guard's timer is cleared when the call ends: left pending, it held the file's process 2 minutes.
      const guard = new AbortController();
      const { res, slices } = await Promise.race([
        running.finally(() => guard.abort()),
        delay(120_000, undefined, { signal: guard.signal }).then(
          () => assert.fail('the call ran on past its first slice'),
          () => new Promise<never>(() => undefined), // cleared: the call ended first
        ),
      ]);
      assert.ok(res.slices >= 1, 'it ended after writing a slice, not before');
      assert.ok(slices[0]!.prevTs.equals(afterTs), 'each call links to where the last one ended');
      assert.ok(res.lastTs.equals(slices.at(-1)!.lastTs), 'and ends on a slice boundary');
      ids.push(...insertedIds(slices, `${db}.${coll}`));
      afterTs = res.lastTs;
    }
    assert.deepEqual(ids, [0, 1, 2, 3, 4], 'every write once, in order, across the calls');
  });

  it('in poll mode reads the oplog at most once per poll interval while idle', async (t) => {
    t.diagnostic(`source is ${await serverKind(source)}`);
    // On FerretDB each read (a find, or a getMore) scans the whole oplog table.
    let reads = 0;
    const count = (e: { commandName: string; command: { find?: unknown; collection?: unknown } }) =>
      void ((e.command.find === 'oplog.rs' || e.command.collection === 'oplog.rs') && (reads += 1));
    source.on('commandStarted', count);
    try {
      await tailOplog({
        client: source,
        afterTs: await latestOplogTs(source),
        deadline: Date.now() + 2000,
        graceMs: 0,
        sliceMaxBytes: 1024 * 1024,
        sliceMaxAgeMs: 1000,
        wait: { mode: 'poll', pollMs: 250 },
        writeSlice: async () => undefined,
      });
    } finally {
      source.off('commandStarted', count);
    }
    // 2 s at one read per 250 ms is 8 at most, plus the first (fewer when the server is slow, as each
    // read waits for the one before); a spinning tail sends hundreds.
    assert.ok(reads >= 1 && reads <= 12, `oplog reads: ${reads}`);
  });

  // On FerretDB a reopen reads the whole oplog, and the released v1.24.2 closed a tailable cursor after
  // every first batch that held all its matches: an idle tail reopened at every poll. Patched, as on
  // MongoDB, one cursor serves the whole call.
  for (const wait of modes) {
    it(`keeps one cursor open at the end of the oplog while idle (${wait.mode})`, async () => {
      const afterTs = await latestOplogTs(source);
      const commands: string[] = [];
      const count = (e: { commandName: string; command: { find?: unknown; collection?: unknown } }) =>
        void (
          (e.command.find === 'oplog.rs' || e.command.collection === 'oplog.rs') &&
          commands.push(e.commandName)
        );
      source.on('commandStarted', count);
      try {
        await tailOplog({
          client: source,
          afterTs,
          // Ends after the third getMore (its clock jumps past the deadline), however long the find takes.
          deadline: Date.now() + 120_000,
          now: () => Date.now() + (commands.filter((c) => c === 'getMore').length >= 3 ? 3_600_000 : 0),
          graceMs: 0,
          sliceMaxBytes: 1024 * 1024,
          sliceMaxAgeMs: 1000,
          wait,
          writeSlice: async () => undefined,
        });
      } finally {
        source.off('commandStarted', count);
      }
      const finds = commands.filter((c) => c === 'find').length;
      const getMores = commands.filter((c) => c === 'getMore').length;
      assert.equal(finds, 1, `one find (${finds} finds, ${getMores} getMores)`);
      assert.ok(getMores >= 3, `then getMores on its cursor (${getMores})`);
    });
  }

  it('refuses to resume from an entry the oplog no longer holds', async () => {
    await assert.rejects(
      tailOplog({
        client: source,
        afterTs: new Timestamp({ t: 1, i: 1 }),
        deadline: Date.now() + 2000,
        sliceMaxBytes: 1024 * 1024,
        sliceMaxAgeMs: 1000,
        wait: { mode: 'poll', pollMs: 100 },
        writeSlice: async () => undefined,
      }),
      (err: unknown) => err instanceof OplogRolledOver,
    );
  });
});
