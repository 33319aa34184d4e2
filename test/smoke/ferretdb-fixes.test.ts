/**
 * Proves, on the FerretDB the services run, each fix of the project's patch (scripts/ferretdb/): without
 * them the stand-in is too slow, or loses tailed entries, to measure a backup product. Each case fails on
 * FerretDB v1.24.2 as released. They run on the head service, in a database of their own, so the source's
 * oplog (which other tests tail) is left alone; a capped collection stands for the oplog.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Double,
  Int32,
  Long,
  ObjectId,
  type Collection,
  type Db,
  type Document,
  type MongoClient,
  type Timestamp,
} from 'mongodb';
import { mongoClient, uniqueName, withService } from '../harness/services.js';

/** A bound for a command the unpatched server never answers: the test fails at it instead of hanging. */
const NEVER_MS = 180_000;

describe('smoke: the patched FerretDB', () => {
  let client: MongoClient;
  let db: Db;
  before(async () => {
    client = mongoClient('head');
    await withService('head', () => client.db('admin').command({ ping: 1 }));
    db = client.db(uniqueName('ferretfix'));
  });
  after(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('finds, updates and deletes by _id through the _id_ index, for every _id type', async () => {
    const coll = db.collection<Document>('ids');
    const oid = new ObjectId();
    await coll.insertMany([
      { _id: oid },
      { _id: 'seven' },
      { _id: new Int32(7) },
      { _id: new Long(8) },
      { _id: new Double(9.5) },
      { _id: new Double(10) },
    ] as Document[]);
    const filters: Array<[unknown, string]> = [
      [oid, 'ObjectId'],
      ['seven', 'string'],
      [new Int32(7), 'int32'],
      [new Long(7), 'int64 equal to an int32 _id'],
      [new Double(8), 'double equal to an int64 _id'],
      [new Double(9.5), 'fractional double'],
      [new Int32(10), 'int32 equal to a double _id'],
    ];
    for (const [id, what] of filters) {
      const plan = await explainFind(db, 'ids', { _id: id });
      assert.match(plan, /USING INDEX \S+__id_ /, `{_id: ${what}} seeks the _id_ index; plan: ${plan}`);
      // The pushed-down filter selects by the stored text: it must still find the equal _id of another type.
      assert.equal(
        (await coll.find({ _id: id } as Document).toArray()).length,
        1,
        `{_id: ${what}} finds its document`,
      );
    }
    assert.equal((await coll.updateOne({ _id: new Long(10) }, { $set: { u: 1 } })).modifiedCount, 1);
    assert.equal((await coll.deleteOne({ _id: new Double(7) })).deletedCount, 1);
    assert.deepEqual(
      (await coll.find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)).sort(),
      ['10', '8', '9.5', oid.toHexString(), 'seven'].sort(),
    );
  });

  it('answers one update command of 2,000 statements', async () => {
    const coll = db.collection<Document>('bulk');
    const n = 2000;
    for (let i = 0; i < n; i += 500)
      await coll.insertMany(Array.from({ length: 500 }, (_, k) => ({ _id: new ObjectId(), k: i + k })));
    const ids = (await coll.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
    // One command (not split by the driver): every statement used to keep its query, and a pooled
    // connection, open until the command ended; the 100th waited for a connection forever.
    const res = await within(
      db.command({
        update: 'bulk',
        updates: ids.map((_id) => ({ q: { _id }, u: { $set: { touched: true } } })),
        ordered: true,
      }),
      NEVER_MS,
      'a 2,000-statement update command',
    );
    assert.equal(res.nModified, n);
    assert.equal(await coll.countDocuments({ touched: true }), n);
  });

  describe('tailable cursors on a full capped collection', () => {
    const capped = 'capped';
    const docs = 10_000;
    before(async () => {
      // 10,000 entries of ~800 bytes: a read of the whole collection costs far more than one of a few rows.
      await db.createCollection(capped, { capped: true, size: 32 * 1024 * 1024 });
      const pad = 'x'.repeat(800);
      for (let i = 0; i < docs; i += 1000)
        await db.collection(capped).insertMany(Array.from({ length: 1000 }, (_, k) => ({ n: i + k, pad })));
    });

    it('reads only the entries after its position on each getMore, not the whole collection', async (t) => {
      // Drain a tailable cursor to the end, then time getMores that find nothing new against a query
      // that must read every entry (its filter matches none), measured here, on this load.
      const first = await db.command(
        { find: capped, filter: {}, tailable: true, batchSize: 100 },
        { promoteLongs: false },
      );
      const id = first.cursor.id as Long;
      assert.ok(!id.isZero(), 'a full first batch leaves the tailable cursor open');
      let seen = first.cursor.firstBatch.length as number;
      for (;;) {
        const more = await db.command({ getMore: id, collection: capped, batchSize: 5000 });
        if (more.cursor.nextBatch.length === 0) break;
        seen += more.cursor.nextBatch.length as number;
      }
      assert.equal(seen, docs);
      const idle = await medianMs(7, () => db.command({ getMore: id, collection: capped }));
      const scan = await medianMs(5, () => db.collection(capped).find({ nomatch: 1 }).toArray());
      // The added entry is returned too: the position is kept.
      await db.collection(capped).insertOne({ n: docs });
      const next = await db.command({ getMore: id, collection: capped });
      assert.deepEqual(
        next.cursor.nextBatch.map((d: Document) => d.n),
        [docs],
      );
      await db.command({ killCursors: capped, cursors: [id] });
      t.diagnostic(
        `empty getMore ${idle.toFixed(1)} ms, read of all entries ${scan.toFixed(1)} ms (medians)`,
      );
      assert.ok(
        idle * 5 < scan,
        `an empty getMore (median ${idle.toFixed(1)} ms) costs under a fifth of a read of all ` +
          `${docs} entries (median ${scan.toFixed(1)} ms)`,
      );
    });

    it('keeps a tailable cursor open after a first batch that held every match, as MongoDB does', async () => {
      const mark = docs + 500;
      await db.collection(capped).insertOne({ n: mark });
      const first = await db.command(
        { find: capped, filter: { n: { $gte: mark } }, tailable: true, batchSize: 100 },
        { promoteLongs: false },
      );
      const id = first.cursor.id as Long;
      assert.equal(first.cursor.firstBatch.length, 1);
      // Without this, a tail at the oplog's end reopened its cursor, reading the whole collection each time.
      assert.ok(!id.isZero(), 'the cursor stays open');
      await db.collection(capped).insertOne({ n: mark + 1 });
      const next = await db.command({ getMore: id, collection: capped });
      assert.deepEqual(
        next.cursor.nextBatch.map((d: Document) => d.n),
        [mark + 1],
      );
      await db.command({ killCursors: capped, cursors: [id] });
    });

    it('delivers every entry of concurrent writers to a tailable cursor: record order is commit order', async (t) => {
      // Entries committed out of record order would be passed by a cursor that already read a later one.
      const start = 1; // on a field of its own (m), apart from the other cases' n
      await db.collection(capped).insertOne({ m: start - 1 });
      const first = await db.command(
        { find: capped, filter: { m: { $gte: start - 1 } }, tailable: true, awaitData: true, batchSize: 1 },
        { promoteLongs: false },
      );
      const id = first.cursor.id as Long;
      const writers = 8;
      const each = 250;
      const received = new Set<number>();
      let done = false;
      const reader = (async () => {
        while (!done || received.size < writers * each) {
          const more = await db.command({ getMore: id, collection: capped, maxTimeMS: 200 });
          const batch = more.cursor.nextBatch as Document[];
          for (const d of batch) received.add(d.m as number);
          if (done && batch.length === 0) break; // every writer is done and a deadline passed: all is in
        }
      })();
      const clients = Array.from({ length: writers }, () => mongoClient('head'));
      try {
        await Promise.all(
          clients.map(async (c, w) => {
            for (let i = 0; i < each; i += 1)
              await c
                .db(db.databaseName)
                .collection(capped)
                .insertOne({ m: start + w * each + i });
          }),
        );
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
      done = true;
      await reader;
      await db.command({ killCursors: capped, cursors: [id] });
      t.diagnostic(`${received.size} of ${writers * each} entries received`);
      const missing = Array.from({ length: writers * each }, (_, i) => start + i).filter(
        (n) => !received.has(n),
      );
      assert.deepEqual(missing, [], 'no entry was passed by the cursor');
    });

    it('delivers every entry of a steady writer to an awaitData cursor across many deadlines', async (t) => {
      const writer = mongoClient('head');
      const wdb = writer.db(db.databaseName);
      const writes = 300;
      const received: number[] = [];
      let deadlines = 0;
      let sentinelSeen = false;
      try {
        const start = docs + 1_000;
        // The cursor starts at an entry it must return first, as Headwater's tail does (FerretDB keeps a
        // tailable cursor open only after a full first batch, and a getMore fails on one that has not
        // returned an entry yet).
        await db.collection(capped).insertOne({ n: start - 1 });
        const first = await db.command(
          {
            find: capped,
            filter: { $or: [{ n: { $gte: start - 1 } }, { sentinel: true }] },
            tailable: true,
            awaitData: true,
            batchSize: 1,
          },
          { promoteLongs: false },
        );
        const id = first.cursor.id as Long;
        assert.deepEqual(
          first.cursor.firstBatch.map((d: Document) => d.n),
          [start - 1],
        );
        assert.ok(!id.isZero(), 'a full first batch keeps the tailable cursor open');
        // The reader: getMores with a 100 ms deadline until the writer's sentinel arrives.
        const reader = (async () => {
          while (!sentinelSeen) {
            const more = await db.command({ getMore: id, collection: capped, maxTimeMS: 100 });
            const batch = more.cursor.nextBatch as Document[];
            if (batch.length === 0) deadlines += 1;
            for (const d of batch) {
              if (d.sentinel === true) sentinelSeen = true;
              else received.push(d.n as number);
            }
          }
          await db.command({ killCursors: capped, cursors: [id] });
        })();
        // The writer: bursts of ten single inserts, each followed by a pause longer than the deadline,
        // so that the cursor crosses many deadlines while entries keep arriving.
        for (let i = 0; i < writes; i += 1) {
          await wdb.collection(capped).insertOne({ n: start + i });
          if (i % 10 === 9) await new Promise((r) => setTimeout(r, 150));
        }
        // Then a sentinel, repeated until the reader has it (a lost sentinel must not hang the test).
        const until = Date.now() + NEVER_MS;
        while (!sentinelSeen && Date.now() < until) {
          await wdb.collection(capped).insertOne({ sentinel: true });
          await Promise.race([reader, new Promise((r) => setTimeout(r, 500))]);
        }
        assert.ok(sentinelSeen, "the reader received the writer's sentinel");
        await reader;
      } finally {
        await writer.close();
      }
      t.diagnostic(`${received.length} of ${writes} entries received across ${deadlines} deadlines`);
      assert.ok(deadlines >= 10, `the cursor crossed ${deadlines} deadlines (at least 10 wanted)`);
      assert.deepEqual(
        received,
        Array.from({ length: writes }, (_, i) => docs + 1_000 + i),
        'every written entry arrived once, in order',
      );
    });
  });
});

describe('smoke: the patched FerretDB oplog', () => {
  it('stamps concurrent writes with ts in commit order, so a tail resuming at a ts skips no entry', async (t) => {
    // On the source, the one service with an oplog; its own database, so the entries are told apart.
    const source = mongoClient('source');
    const name = uniqueName('ferretfix_oplog');
    const ns = `${name}.c`;
    const writers = 8;
    const rounds = 30; // each writes an insert, an update and a delete entry
    const clients = Array.from({ length: writers }, () => mongoClient('source'));
    try {
      await withService('source', () => source.db(name).collection<Named>('c').insertOne({ _id: 'start' }));
      // A tailable cursor returns entries in record order, which (fix 7) is commit order.
      const local = source.db('local');
      const first = await local.command(
        { find: 'oplog.rs', filter: { ns }, tailable: true, awaitData: true, batchSize: 1 },
        { promoteLongs: false },
      );
      const id = first.cursor.id as Long;
      const seen: Timestamp[] = (first.cursor.firstBatch as Document[]).map((d) => d.ts as Timestamp);
      let done = false;
      const reader = (async () => {
        for (;;) {
          const more = await local.command({
            getMore: id,
            collection: 'oplog.rs',
            batchSize: 5000,
            maxTimeMS: 200,
          });
          const batch = more.cursor.nextBatch as Document[];
          for (const d of batch) seen.push(d.ts as Timestamp);
          if (done && batch.length === 0) break; // every write returned after its entry committed
        }
        await local.command({ killCursors: 'oplog.rs', cursors: [id] });
      })();
      await Promise.all(
        clients.map(async (c, w) => {
          const coll = c.db(name).collection<Named>('c');
          for (let i = 0; i < rounds; i += 1) {
            const _id = `${w}-${i}`;
            await coll.insertOne({ _id });
            await coll.updateOne({ _id }, { $set: { u: i } });
            await coll.deleteOne({ _id });
          }
        }),
      );
      done = true;
      await reader;
      // An entry whose ts is not above every ts before it committed late: a tail that stopped after the
      // later-ts entry resumes at {ts: {$gte: it}} and never returns it (MongoDB makes entries visible in
      // ts order). Without fix 8 (ts taken before the write lock) about one in ten was (109 of 1,201).
      let newest = seen[0]!;
      const late = seen.slice(1).filter((ts) => {
        if (ts.gt(newest)) newest = ts;
        return newest !== ts;
      });
      t.diagnostic(`${seen.length} entries, ${late.length} out of ts order`);
      assert.equal(seen.length, 1 + writers * rounds * 3, 'every entry reached the tailable cursor');
      assert.equal(late.length, 0, `${late.length} entries were committed after an entry with a later ts`);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await source.db(name).dropDatabase();
      await source.close();
    }
  });
});

describe('smoke: the patched FerretDB oplog, racing writes', () => {
  it('logs an update racing a delete of its document before the delete, or not at all', async (t) => {
    // MongoDB logs a write and its entry together: an update that lost the race to a delete matched
    // nothing and has no entry. A "u" after the document's "d" resurrects it in a replay that upserts.
    const clients = [mongoClient('source'), mongoClient('source')] as const;
    const name = uniqueName('ferretfix_race');
    const docs = 150;
    const [updater, deleter] = clients.map((c) => c.db(name).collection('c')) as [Racing, Racing];
    try {
      await withService('source', () =>
        updater.insertMany(Array.from({ length: docs }, (_, i) => ({ _id: i, pad: 'x'.repeat(2000) }))),
      );
      // In lockstep, one client updates document i while the other deletes it.
      await Promise.all([
        (async () => {
          for (let i = 0; i < docs; i += 1) await updater.updateOne({ _id: i }, { $set: { u: 1 } });
        })(),
        (async () => {
          for (let i = 0; i < docs; i += 1) await deleter.deleteOne({ _id: i });
        })(),
      ]);
      const entries = await clients[0]
        .db('local')
        .collection('oplog.rs')
        .find({ ns: `${name}.c`, op: { $in: ['u', 'd'] } })
        .sort({ $natural: 1 })
        .toArray();
      const deleted = new Set<number>();
      const resurrecting = entries.filter((e) => {
        if (e.op === 'd') deleted.add(e.o._id as number);
        return e.op === 'u' && deleted.has(e.o2._id as number);
      });
      t.diagnostic(`${entries.length} entries, ${resurrecting.length} updates after their document's delete`);
      assert.equal(deleted.size, docs, 'every document has its delete entry');
      // Without fix 9: 18 and 7 of 300 such pairs (the build with fixes 1-8).
      assert.equal(resurrecting.length, 0, 'no update entry follows the delete entry of its document');
    } finally {
      await clients[0].db(name).dropDatabase();
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

/** The racing case's collection, as each of its two clients sees it. */
type Racing = Collection<{ _id: number; pad?: string }>;

/** A document with a string _id (the driver types _id as an ObjectId otherwise). */
interface Named {
  _id: string;
  u?: number;
}

async function explainFind(db: Db, coll: string, filter: Document): Promise<string> {
  const res = await db.command({ explain: { find: coll, filter }, verbosity: 'queryPlanner' });
  return JSON.stringify(res.queryPlanner);
}

async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}
