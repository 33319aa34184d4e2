/**
 * Test data: documents using every BSON type FerretDB v1.24 stores byte-for-byte (double, string,
 * object, array, binary incl. UUID, ObjectId, bool, date, null, regex, int32, timestamp, int64), plus a
 * writer that inserts, updates and deletes while a sync runs. FerretDB rejects Decimal128, MinKey/MaxKey,
 * Code and NaN, and stores -0 as 0, so those are left out here (the applier's fixtures cover them).
 */
import { randomBytes } from 'node:crypto';
import {
  Binary,
  BSONRegExp,
  Double,
  Int32,
  Long,
  ObjectId,
  Timestamp,
  UUID,
  type Document,
  type MongoClient,
} from 'mongodb';

let counter = 0;

export function makeDoc(i: number, sizeClass: 'small' | 'medium' | 'large' = 'small'): Document {
  counter += 1;
  const pad = sizeClass === 'small' ? 40 : sizeClass === 'medium' ? 2_000 : 40_000;
  return {
    _id: new ObjectId(),
    n: new Int32(i),
    big: Long.fromNumber(i * 1_000_003),
    score: new Double(i + 0.25),
    name: `doc-${i}-✓`,
    active: i % 2 === 0,
    at: new Date(1_700_000_000_000 + i * 1000),
    nothing: null,
    re: new BSONRegExp(`^a${i % 10}`, 'i'),
    ts: new Timestamp({ t: 1_700_000_000 + i, i: counter % 1000 }),
    bin: new Binary(randomBytes(8)),
    uuid: new UUID().toBinary(),
    nested: { level: { deep: [new Int32(1), 'two', { three: new Double(3.5) }] }, tags: ['x', 'y'] },
    pad: 'p'.repeat(pad),
  };
}

/** Fills `db.coll` with `count` documents, in batches. */
export async function fill(
  client: MongoClient,
  ns: string,
  count: number,
  sizeClass: 'small' | 'medium' | 'large' = 'small',
) {
  const [db, coll] = ns.split('.') as [string, string];
  const c = client.db(db).collection(coll);
  for (let i = 0; i < count; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - i) }, (_, k) => makeDoc(i + k, sizeClass));
    await c.insertMany(batch, { ordered: false });
  }
}

/**
 * Inserts, updates and deletes in the given namespaces until stopped; counts what it did. Victims are
 * picked from _ids the writer knows (a sample read once, plus its own inserts): FerretDB has no $sample
 * and scans a collection for skip(), which would make the writer a load test of its own.
 */
export function startWriter(client: MongoClient, namespaces: string[], opts: { pauseMs?: number } = {}) {
  let stopped = false;
  const stats = { inserts: 0, updates: 0, deletes: 0, errors: 0 };
  const known = new Map<string, unknown[]>();
  const done = (async () => {
    for (const ns of namespaces) {
      const [db, coll] = ns.split('.') as [string, string];
      const ids = await client
        .db(db)
        .collection(coll)
        .find({}, { projection: { _id: 1 } })
        .limit(500)
        .toArray();
      known.set(
        ns,
        ids.map((d) => d._id),
      );
    }
    let i = 1_000_000;
    while (!stopped) {
      const ns = namespaces[i % namespaces.length]!;
      const [db, coll] = ns.split('.') as [string, string];
      const c = client.db(db).collection(coll);
      const ids = known.get(ns)!;
      try {
        const doc = makeDoc(i);
        await c.insertOne(doc);
        ids.push(doc._id);
        stats.inserts += 1;
        const at = (i * 7919) % ids.length;
        const victim = ids[at];
        if (i % 3 === 0) {
          await c.deleteOne({ _id: victim } as Document);
          ids.splice(at, 1);
          stats.deletes += 1;
        } else {
          await c.updateOne({ _id: victim } as Document, {
            $set: { name: `updated-${i}`, score: new Double(i) },
            $unset: { nothing: '' },
          });
          stats.updates += 1;
        }
      } catch {
        stats.errors += 1;
      }
      i += 1;
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  })();
  return {
    stats,
    stop: async () => {
      stopped = true;
      await done;
      return stats;
    },
  };
}
