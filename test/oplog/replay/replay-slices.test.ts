import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Int32, Timestamp, type Document, type MongoClient } from 'mongodb';
import type { SliceRecord } from '../../../src/catalog/slices.js';
import { ChecksumMismatch, SliceChainBroken } from '../../../src/errors/domain-errors.js';
import { encode } from '../../../src/lib/bson.js';
import { replaySlices, type ReplayOptions } from '../../../src/oplog/replay/replay-slices.js';
import { mongoClient, uniqueName } from '../../harness/services.js';

const ts = (t: number, i = 1) => new Timestamp({ t, i });
const insert = (t: number, id: number, i = 1) => ({
  op: 'i',
  ns: 'app.c',
  ts: ts(t, i),
  o: { _id: new Int32(id), t: new Int32(t) },
});

function slice(
  n: number,
  prev: Timestamp,
  last: Timestamp,
  entries: Document[],
  count = entries.length,
): { rec: SliceRecord; body: Uint8Array[] } {
  const rec: SliceRecord = {
    _id: `job/oplog/${n}`,
    jobId: 'job',
    stream: 'oplog',
    seq: n,
    count,
    bytes: 0,
    storedBytes: 0,
    sha256: '0',
    store: 'mem',
    prevTs: prev,
    lastTs: last,
    firstTs: entries[0]!.ts as Timestamp,
    createdAt: new Date(),
  };
  return { rec, body: entries.map((e) => encode(e)) };
}

describe('replaySlices onto any target', () => {
  let head: MongoClient;
  const db = uniqueName('replay');
  before(() => void (head = mongoClient('head')));
  after(async () => {
    await head.db(db).dropDatabase();
    await head.close();
  });

  const run = async (slices: Array<ReturnType<typeof slice>>, o: Partial<ReplayOptions> = {}) => {
    const bodies = new Map(slices.map((s) => [s.rec._id, s.body]));
    await head.db(db).dropDatabase();
    return replaySlices({
      target: head,
      mapNamespace: (ns) => (ns === 'app.c' ? { db, coll: 'renamed' } : null),
      slices: slices.map((s) => s.rec),
      read: async (r) => bodies.get(r._id)!,
      afterTs: ts(100),
      ...o,
    });
  };
  const ids = async () =>
    (await head.db(db).collection('renamed').find().sort({ _id: 1 }).toArray()).map((d) => Number(d._id));

  // The second slice holds an entry made visible late (ts 100, at or before the start): it is applied.
  const chain = [
    slice(0, ts(100), ts(102), [insert(101, 1), insert(102, 2)]),
    slice(1, ts(102), ts(105), [insert(103, 3), insert(100, 0, 5), insert(105, 5)]),
  ];

  it('applies whole slices through the map, late entries included, and names the last operation', async () => {
    const r = await run(chain);
    assert.deepEqual(await ids(), [0, 1, 2, 3, 5]);
    assert.equal(r.entries, 5);
    assert.ok(r.through.equals(ts(105)));
    assert.ok(r.last!.ts.equals(ts(105)) && r.last!.ns === 'app.c');
  });

  it('applies only the new entries of a slice that overlaps what was applied (two capture attempts of one range)', async () => {
    const set = (t: number, v: number) => ({
      op: 'u',
      ns: 'app.c',
      ts: ts(t),
      o: { _id: new Int32(1), v: new Int32(v) },
      o2: { _id: new Int32(1) },
    });
    const overlapping = [
      slice(0, ts(100), ts(102), [insert(101, 1), set(102, 2)]),
      slice(1, ts(102), ts(106), [set(103, 3), set(104, 4), set(105, 5), insert(106, 7)]),
      // A stale attempt's slice: it starts inside slice 1 and repeats its update at 104, after 105.
      slice(2, ts(103), ts(104), [set(104, 4)]),
      slice(3, ts(106), ts(107), [insert(107, 8)]),
    ];
    const r = await run(overlapping);
    const doc = await head
      .db(db)
      .collection('renamed')
      .findOne({ _id: 1 } as Document);
    assert.equal(doc?.v, 5, 'the newest version, not the repeated 104 applied after 105');
    assert.deepEqual(await ids(), [1, 7, 8]);
    assert.equal(r.overlapped, 1, 'the repeated 104');
    assert.equal(r.entries, 7);
    assert.ok(r.through.equals(ts(107)));
  });

  it('leaves out entries after an inclusive bound, and counts them', async () => {
    const r = await run(chain, { upTo: ts(103) });
    assert.deepEqual(await ids(), [0, 1, 2, 3], 'ts 103 itself is applied; 105 is not');
    assert.equal(r.entries, 4);
    assert.equal(r.leftOut, 1);
    assert.ok(r.last!.ts.equals(ts(103)));
  });

  it('refuses a hole in the chain when asked, naming the slice, and applies nothing past it', async () => {
    const holed = [chain[0]!, slice(2, ts(104), ts(106), [insert(106, 6)])];
    await assert.rejects(
      run(holed, { requireChain: true }),
      (e) => e instanceof SliceChainBroken && e.message.includes('job/oplog/2'),
    );
    assert.deepEqual(await ids(), [1, 2]);
  });

  it('reads the next slice while this one is applied, and a failed read stops the replay only at its turn', async () => {
    const events: string[] = [];
    const third = slice(2, ts(105), ts(106), [insert(106, 6)]);
    const bodies = new Map([...chain, third].map((s) => [s.rec._id, s.body]));
    await head.db(db).dropDatabase();
    const replay = replaySlices({
      target: head,
      mapNamespace: (ns) => (ns === 'app.c' ? { db, coll: 'renamed' } : null),
      slices: [...chain, third].map((s) => s.rec),
      read: async (r) => {
        events.push(`read ${r.seq}`);
        if (r.seq === 2) throw new Error('slice 2 is gone');
        return bodies.get(r._id)!;
      },
      onEntries: (e) => events.push(`applied ${e.length}`),
      afterTs: ts(100),
    });
    await assert.rejects(replay, /slice 2 is gone/);
    assert.deepEqual(events, ['read 0', 'read 1', 'applied 2', 'read 2', 'applied 3']);
    assert.deepEqual(await ids(), [0, 1, 2, 3, 5], 'every slice before the failed read is applied');
  });

  it('refuses a slice that holds fewer entries than its record says', async () => {
    await assert.rejects(
      run([slice(0, ts(100), ts(102), [insert(101, 1)], 2)]),
      (e) => e instanceof ChecksumMismatch && e.message.includes('job/oplog/0'),
    );
  });
});
