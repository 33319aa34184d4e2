/**
 * A steady write load on the source: a target rate of operations per second (inserts, updates and deletes
 * in a fixed mix), issued in 100 ms ticks so the rate holds over the run rather than in bursts. Reports
 * the rate it actually reached, since a slow server makes it fall short and the figures must say so.
 */
import { Double, type Collection, type Document, type MongoClient, type ObjectId } from 'mongodb';
import { benchDoc } from './dataset.js';

export interface LoadStats {
  inserts: number;
  updates: number;
  deletes: number;
  seconds: number;
}

const TICK_MS = 100;
const MIX = { insert: 0.5, update: 0.35 }; // the rest deletes

export class IdPool {
  private readonly ids: ObjectId[] = [];
  add(id: ObjectId): void {
    this.ids.push(id);
  }
  /** Distinct random ids; `remove` takes them out of the pool (for deletes). */
  take(n: number, remove: boolean): ObjectId[] {
    const out: ObjectId[] = [];
    const seen = new Set<number>();
    while (out.length < Math.min(n, this.ids.length)) {
      const at = Math.floor(Math.random() * this.ids.length);
      if (remove) {
        // Swap-pop keeps removal O(1).
        out.push(this.ids[at]!);
        this.ids[at] = this.ids[this.ids.length - 1]!;
        this.ids.pop();
      } else if (!seen.has(at)) {
        seen.add(at);
        out.push(this.ids[at]!);
      }
    }
    return out;
  }
  get size(): number {
    return this.ids.length;
  }
}

export async function seedCollections(client: MongoClient, db: string, colls: string[], docsPerColl: number, pools: Map<string, IdPool>): Promise<void> {
  await Promise.all(
    colls.map(async (name) => {
      const pool = pools.get(name) ?? new IdPool();
      pools.set(name, pool);
      for (let i = 0; i < docsPerColl; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, docsPerColl - i) }, (_, k) => benchDoc(i + k, 200 + ((i + k) % 5) * 100));
        await client.db(db).collection(name).insertMany(batch, { ordered: false });
        for (const d of batch) pool.add(d._id as ObjectId);
      }
    }),
  );
}

/** Runs the load until `seconds` have passed; every tick issues the operations the target rate is owed. */
export async function steadyLoad(client: MongoClient, db: string, pools: Map<string, IdPool>, opts: { opsPerSec: number; seconds: number }): Promise<LoadStats> {
  const stats: LoadStats = { inserts: 0, updates: 0, deletes: 0, seconds: 0 };
  const colls = [...pools.keys()].map((name) => ({ c: client.db(db).collection(name), pool: pools.get(name)! }));
  const started = performance.now();
  let issued = 0;
  let seq = 10_000_000;
  for (let tick = 0; ; tick += 1) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed >= opts.seconds) break;
    const owed = Math.floor(opts.opsPerSec * elapsed) - issued;
    if (owed > 0) {
      const { c, pool } = colls[tick % colls.length]!;
      const n = { i: Math.round(owed * MIX.insert), u: Math.round(owed * MIX.update) };
      const d = owed - n.i - n.u;
      await Promise.all([insertSome(c, pool, n.i, (seq += n.i)), updateSome(c, pool, n.u, stats), deleteSome(c, pool, d, stats)]);
      stats.inserts += n.i;
      issued += owed;
    }
    const next = started + (tick + 1) * TICK_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
}

async function insertSome(c: Collection<Document>, pool: IdPool, n: number, seq: number): Promise<void> {
  if (n <= 0) return;
  const docs = Array.from({ length: n }, (_, k) => benchDoc(seq + k, 300));
  await c.insertMany(docs, { ordered: false });
  for (const d of docs) pool.add(d._id as ObjectId);
}

async function updateSome(c: Collection<Document>, pool: IdPool, n: number, stats: LoadStats): Promise<void> {
  const ids = pool.take(n, false);
  if (ids.length === 0) return;
  // At most 50 updates per command: FerretDB 1.24 never answers an update command that modifies 100 or
  // more existing documents, and hangs listDatabases with it (docs/ferretdb-findings.md).
  for (let at = 0; at < ids.length; at += 50) {
    await c.bulkWrite(
      ids.slice(at, at + 50).map((_id, k) => ({ updateOne: { filter: { _id }, update: { $set: { score: new Double(at + k + 0.5), name: `u-${at + k}-${Date.now()}` } } } })),
      { ordered: false },
    );
  }
  stats.updates += ids.length;
}

async function deleteSome(c: Collection<Document>, pool: IdPool, n: number, stats: LoadStats): Promise<void> {
  const ids = pool.take(n, true);
  if (ids.length === 0) return;
  await c.deleteMany({ _id: { $in: ids } });
  stats.deletes += ids.length;
}
