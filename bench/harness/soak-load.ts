/**
 * The soak's mixed write load on the source: inserts of nested documents with arrays, updates of nested
 * fields and arrays ($set on a path, $push, $pull, $inc), whole replacements and deletes, at a target rate
 * in 100 ms ticks; and, every few seconds, one collection-level change: a scratch collection created, renamed
 * or dropped, or an index built on a data collection. Where the source takes transactions (MongoDB; FerretDB
 * refuses them), one write in twenty is a multi-document transaction across two collections (an update
 * and an insert, committed together or not at all). Every write is awaited one by one and its
 * acknowledgement latency recorded; a write the server refused or never answered (a fault) is counted as
 * failed, never as written. `hold()` lets the soak record the source at a quiet moment, or stop it.
 */
import { Int32, ObjectId, type Collection, type Db, type Document, type MongoClient } from 'mongodb';
import { IdPool } from './load.js';
import { WriteGate } from './write-gate.js';

export const DATA_COLLS = ['orders', 'profiles', 'events'];
/** Scratch collections of the collection-level changes (their names start with this). */
export const DDL_PREFIX = 'ddl_';
const TICK_MS = 100;
const DDL_EVERY_TICKS = 40;
const INDEXES: Document[] = [{ 'profile.tier': 1 }, { tags: 1 }, { 'stats.n': -1 }, { name: 1, n: 1 }];

export interface LoadCounts {
  inserts: number;
  updates: number;
  replacements: number;
  deletes: number;
  creates: number;
  renames: number;
  drops: number;
  indexBuilds: number;
  transactions: number;
  failed: number;
}

export function soakDoc(n: number): Document {
  return {
    _id: new ObjectId(),
    n,
    name: `doc-${n}`,
    profile: { tier: n % 4, address: { city: `city-${n % 97}`, zip: String(10_000 + (n % 89_999)) } },
    tags: [`t${n % 7}`, `t${n % 11}`],
    stats: { n: new Int32(0), last: new Date(0) },
    items: Array.from({ length: 1 + (n % 4) }, (_, k) => ({ sku: `sku-${(n + k) % 500}`, qty: new Int32(k + 1) })),
  };
}

export class SoakLoad {
  readonly counts: LoadCounts = { inserts: 0, updates: 0, replacements: 0, deletes: 0, creates: 0, renames: 0, drops: 0, indexBuilds: 0, transactions: 0, failed: 0 };
  /** Acknowledgement latency of every write, in milliseconds. */
  readonly ackMs: number[] = [];
  private readonly pools = new Map<string, IdPool>();
  private readonly db: Db;
  private seq = 0;
  private ddl = { next: 0, live: [] as string[], indexes: 0 };
  private stopping = false;
  private readonly gate = new WriteGate();
  private done: Promise<void> | undefined;

  constructor(
    private readonly client: MongoClient,
    dbName: string,
    private readonly opsPerSec: number,
    /** Whether the source takes multi-document transactions (a replica set of MongoDB). */
    private readonly transactions = false,
  ) {
    this.db = client.db(dbName);
  }

  /** Seeds every data collection with `docs` documents. */
  async seed(docs: number): Promise<void> {
    for (const name of DATA_COLLS) {
      const pool = new IdPool();
      this.pools.set(name, pool);
      for (let i = 0; i < docs; i += 500) {
        const batch = Array.from({ length: Math.min(500, docs - i) }, () => soakDoc((this.seq += 1)));
        await this.db.collection(name).insertMany(batch, { ordered: false });
        for (const d of batch) pool.add(d._id as ObjectId);
      }
    }
  }

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  /** Holds new writes once those in flight are acknowledged or failed (WriteGate); returns the release. */
  hold(): Promise<() => void> {
    return this.gate.hold();
  }

  private async loop(): Promise<void> {
    const started = performance.now();
    let pausedMs = 0;
    let issued = 0;
    for (let tick = 0; !this.stopping; tick += 1) {
      const t0 = performance.now();
      await this.gate.enter();
      pausedMs += performance.now() - t0;
      const elapsed = (performance.now() - started - pausedMs) / 1000;
      const owed = Math.floor(this.opsPerSec * elapsed) - issued;
      issued += Math.max(0, owed);
      const name = DATA_COLLS[tick % DATA_COLLS.length]!;
      const ops = Array.from({ length: Math.max(0, owed) }, () => this.randomOp(name));
      if (tick % DDL_EVERY_TICKS === DDL_EVERY_TICKS - 1) ops.push(() => this.ddlOp());
      await Promise.all(ops.map((op) => this.timed(op)));
      this.gate.leave();
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  }

  private async timed(op: () => Promise<keyof LoadCounts | undefined>): Promise<void> {
    const t0 = performance.now();
    try {
      const kind = await op();
      if (kind !== undefined) {
        this.counts[kind] += 1;
        this.ackMs.push(performance.now() - t0);
      }
    } catch {
      this.counts.failed += 1;
    }
  }

  private randomOp(name: string): () => Promise<keyof LoadCounts | undefined> {
    const c = this.db.collection(name);
    const pool = this.pools.get(name)!;
    const r = Math.random();
    if (r < 0.4 || pool.size < 100) return () => this.insert(c, pool);
    if (this.transactions && r < 0.45) return () => this.transaction(c, pool);
    const [id] = pool.take(1, r >= 0.9);
    if (r < 0.75) return () => this.update(c, id!);
    if (r < 0.9) return async () => ((await c.replaceOne({ _id: id }, { ...soakDoc((this.seq += 1)), _id: id })).matchedCount > 0 ? 'replacements' : undefined);
    return async () => ((await c.deleteOne({ _id: id })).deletedCount > 0 ? 'deletes' : undefined);
  }

  private async insert(c: Collection, pool: IdPool): Promise<'inserts'> {
    const doc = soakDoc((this.seq += 1));
    await c.insertOne(doc);
    pool.add(doc._id as ObjectId);
    return 'inserts';
  }

  /** An update of one document and an insert into another collection, in one transaction. */
  private async transaction(c: Collection, pool: IdPool): Promise<'transactions'> {
    const [id] = pool.take(1, false);
    const other = this.db.collection(DATA_COLLS[(DATA_COLLS.indexOf(c.collectionName) + 1) % DATA_COLLS.length]!);
    const doc = soakDoc((this.seq += 1));
    await this.client.withSession((session) =>
      session.withTransaction(async () => {
        await c.updateOne({ _id: id }, { $inc: { 'stats.n': new Int32(1) } }, { session });
        await other.insertOne(doc, { session });
      }),
    );
    this.pools.get(other.collectionName)!.add(doc._id as ObjectId);
    return 'transactions';
  }

  /** One of four nested or array updates; an update that matched nothing wrote nothing and is not counted. */
  private async update(c: Collection, _id: ObjectId): Promise<'updates' | undefined> {
    const n = (this.seq += 1);
    const updates: Document[] = [
      { $set: { 'profile.address.city': `moved-${n}`, 'stats.last': new Date() } },
      { $push: { tags: `p${n % 13}` } },
      { $pull: { tags: `t${n % 7}` } },
      { $inc: { 'stats.n': new Int32(1) }, $set: { 'items.0.qty': new Int32(n % 50) } },
    ];
    const res = await c.updateOne({ _id }, updates[n % updates.length]!);
    return res.matchedCount > 0 ? 'updates' : undefined;
  }

  /** The next collection-level change in a fixed cycle: create, index, rename, create, drop. */
  private async ddlOp(): Promise<keyof LoadCounts> {
    const step = this.ddl.next % 5;
    this.ddl.next += 1;
    const fresh = `${DDL_PREFIX}${this.ddl.next}`;
    if (step === 0 || step === 3 || this.ddl.live.length === 0) {
      await this.db.createCollection(fresh);
      await this.db.collection(fresh).insertMany([soakDoc((this.seq += 1)), soakDoc((this.seq += 1))]);
      this.ddl.live.push(fresh);
      return 'creates';
    }
    if (step === 1) {
      // The first twelve are distinct (four specs over three collections), then new fields: every build is new.
      const k = this.ddl.indexes;
      const spec = k < 12 ? INDEXES[k % INDEXES.length]! : { [`extra${k}`]: 1 };
      await this.db.collection(DATA_COLLS[k % DATA_COLLS.length]!).createIndex(spec);
      this.ddl.indexes += 1;
      return 'indexBuilds';
    }
    const old = this.ddl.live.shift()!;
    if (step === 2) {
      await this.db.collection(old).rename(fresh);
      this.ddl.live.push(fresh);
      return 'renames';
    }
    await this.db.collection(old).drop();
    return 'drops';
  }
}
