/**
 * One workload for the restore tests, made once: a throwaway source FerretDB (its own oplog, so other
 * suites' load cannot roll it over), a first phase captured into oplog slices and applied to a head with
 * the head's own applyOplogRange, snapshots of that head in the three stores (S3 encrypted; fs and the
 * blockstore both in clear and, in stores of their own, encrypted), then recorded
 * moments (nested updates, inserts, deletes, a create, a drop) captured into more slices. Each moment
 * keeps the source's per-collection digests and the ts of its last oplog entry.
 */
import { Double, Int32, MongoClient, Timestamp, type Document } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import { BlobKey } from '../../src/codec/keys.js';
import { applyOplogRange } from '../../src/head/apply-range.js';
import { headDbName } from '../../src/head/head-names.js';
import { decodeRaw } from '../../src/lib/bson.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { digest, type Digest } from '../harness/compare.js';
import { makeDoc } from '../harness/dataset.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { tailSlices } from '../oplog/tail-fixture.js';
import { makeStore, newJobId, snapshotNow, type TestStore } from '../snapshot/fixtures.js';

export const SRC_DB = 'wl';
export type State = Map<string, Digest>;
export type StoreId = 'fs' | 's3' | 'mongo' | 'fs-sealed' | 'mongo-sealed' | 'slices';

export interface Moment {
  name: string;
  /** The ts of the moment's last oplog entry. */
  ts: Timestamp;
  state: State;
}

export interface Workload {
  source: MongoClient;
  head: MongoClient;
  catalog: Catalog;
  jobId: string;
  key: BlobKey;
  stores: Record<StoreId, TestStore>;
  storeOf: (id: string) => BlobStore;
  snapshotTs: Timestamp;
  /** The source at the snapshot. */
  atSnapshot: State;
  /** Moments restored by ISO second, in time order. */
  moments: Moment[];
  /** A moment that is one entry (an update of `users`) in the middle of a second. */
  exact: Moment;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until the wall clock is in a new second, so the next entries get a later ts second. */
const nextSecond = () => sleep(1050 - (Date.now() % 1000));

export async function sourceState(client: MongoClient, db = SRC_DB): Promise<State> {
  const names = (await client.db(db).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const out: State = new Map();
  for (const n of names) out.set(n, await digest(client, db, n));
  return out;
}

export async function makeWorkload(): Promise<Workload> {
  const ferret = await startFerret({ oplogBytes: 64 * 1024 * 1024 });
  const source = new MongoClient(ferret.uri);
  const head = mongoClient('head');
  const catalogDb = uniqueName('hw_cat_rs');
  const catalog = new Catalog(head, catalogDb);
  await catalog.ensureIndexes();
  const jobId = newJobId('r');
  const key = new BlobKey(Buffer.alloc(32, 9), 'restore-key');
  const stores: Record<StoreId, TestStore> = {
    fs: await makeStore('fs', head),
    s3: await makeStore('s3', head),
    mongo: await makeStore('mongo', head),
    'fs-sealed': await makeStore('fs', head),
    'mongo-sealed': await makeStore('mongo', head),
    slices: await makeStore('fs', head),
  };
  const storeOf = (id: string) => stores[id as StoreId].store;
  const slices = new SliceStore(storeOf, catalog.slices);
  const w = { source, slices, jobId };

  // Phase A, captured and applied to the head, then snapshotted in each store (fs last: the catalog's record).
  await source.db('other').collection('fence').insertOne({ _id: 0 } as Document);
  const t0 = await latestOplogTs(source);
  await phaseA(source);
  await catalog.syncs.recordPlan({
    _id: `${jobId}/1`, jobId, syncNumber: 1, source: 'source', t0, createdAt: new Date(),
    collections: ['orders', 'users'].map((c) => ({ ns: `${SRC_DB}.${c}`, options: {}, indexes: [], estimatedCount: 0, ranges: [{}] })),
  });
  await source.db('other').collection('fence').insertOne({ _id: 1 } as Document);
  await capture(w, t0, 1);
  const applied = await applyOplogRange({ jobId, syncNumber: 1, namespaces: new Set([`${SRC_DB}.users`, `${SRC_DB}.orders`]), head, catalog, read: (r) => slices.read(r), afterTs: t0, untilTs: new Timestamp({ t: 0xffffffff, i: 0 }) });
  const headDb = headDbName(jobId, 1, SRC_DB);
  await head.db(headDb).collection('users').createIndex({ n: 1 }, { name: 'n_1' });
  await head.db(headDb).collection('orders').createIndex({ code: 1 }, { name: 'code_1', unique: true });
  const atSnapshot = await sourceState(source);
  const plan = await catalog.syncs.get(jobId, 1);
  const snapshotTs = applied.through;
  for (const id of ['s3', 'fs-sealed', 'mongo-sealed'] as const) {
    await snapshotNow({ head, store: stores[id].store, catalog, plan, ts: snapshotTs, codec: { compression: 'zstd', key }, storeId: id });
  }
  await snapshotNow({ head, store: stores.mongo.store, catalog, plan, ts: snapshotTs, storeId: 'mongo' });
  await snapshotNow({ head, store: stores.fs.store, catalog, plan, ts: snapshotTs, storeId: 'fs' });

  // Phase B: the recorded moments, captured after the snapshot.
  const { moments, exact } = await phaseB(source);
  await nextSecond();
  await source.db('other').collection('fence').insertOne({ _id: 2 } as Document);
  await capture(w, snapshotTs, 2);
  return {
    source, head, catalog, jobId, key, stores, storeOf, snapshotTs, atSnapshot, moments, exact,
    cleanup: async () => {
      await head.db(headDb).dropDatabase();
      await head.db(catalogDb).dropDatabase();
      for (const s of Object.values(stores)) await s.cleanup();
      await source.close();
      await head.close();
      await ferret.stop();
    },
  };
}

/**
 * An order whose field names include integer-like ones after others ("2023", nested "7"), as Maps so the
 * driver writes them in this order: a restore that reordered fields (js-bson objects put such names
 * first) would no longer hash like the source.
 */
function orderDoc(i: number): Map<string, unknown> {
  const lines = [new Map<string, unknown>([['sku', `s${i % 7}`], ['7', new Int32(i % 7)], ['qty', new Int32(1 + (i % 3))]])];
  return new Map<string, unknown>([['_id', new Int32(i)], ['code', `o-${i}`], ['2023', new Int32(i)], ['lines', lines], ['total', new Double(i * 1.5)]]);
}

async function phaseA(source: MongoClient): Promise<void> {
  const db = source.db(SRC_DB);
  await db.collection('users').insertMany(Array.from({ length: 300 }, (_, i) => makeDoc(i)));
  await db.collection('orders').insertMany(
    Array.from({ length: 200 }, (_, i) => orderDoc(i)) as unknown as Document[],
    { forceServerObjectId: true },
  );
}

async function phaseB(source: MongoClient): Promise<{ moments: Moment[]; exact: Moment }> {
  const db = source.db(SRC_DB);
  const users = await db.collection('users').find({}, { projection: { _id: 1 }, sort: { _id: 1 } }).toArray();
  const moments: Moment[] = [];
  const mark = async (name: string) => {
    const m = { name, ts: await latestOplogTs(source), state: await sourceState(source) };
    moments.push(m);
    await nextSecond();
    return m;
  };
  await nextSecond();
  // 1. nested updates and inserts
  for (const [k, u] of users.slice(0, 20).entries())
    await db.collection('users').updateOne({ _id: u._id }, { $set: { 'nested.level.deep.2.three': new Double(k + 0.5), name: `m1-${k}` } });
  await db.collection('orders').insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: new Int32(200 + i), code: `o-${200 + i}`, total: new Double(i) })) as Document[]);
  await mark('nested updates and inserts');
  // 2. deletes, and a collection created (logged as MongoDB would) then filled
  await db.collection('orders').deleteMany({ _id: { $lt: 30 } } as Document);
  await db.createCollection('audit');
  await logCommand(source, { create: 'audit' });
  await nextSecond();
  await db.collection('audit').insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: new Int32(i), what: `a${i}` })) as Document[]);
  await mark('deletes and a create');
  // 3. one exact entry in the middle of a second, then a drop (logged as MongoDB would)
  await db.collection('users').updateOne({ _id: users[50]!._id }, { $set: { name: 'op1' } });
  await db.collection('users').updateOne({ _id: users[51]!._id }, { $set: { name: 'op2', 'nested.tags': ['z'] } });
  const exact = { name: 'one exact entry', ts: await latestOplogTs(source), state: await sourceState(source) };
  await db.collection('users').deleteOne({ _id: users[52]!._id });
  await db.collection('orders').drop();
  await logCommand(source, { drop: 'orders' });
  await mark('a drop');
  // 4. more inserts and an update of the new collection
  await db.collection('users').insertMany(Array.from({ length: 30 }, (_, i) => makeDoc(1000 + i)));
  await db.collection('audit').updateOne({ _id: new Int32(3) } as Document, { $set: { what: 'changed', at: new Date(0) } });
  await mark('inserts and an update after the drop');
  return { moments, exact };
}

/** FerretDB logs no DDL: writes the entry MongoDB would log, as the oplog's next entry. */
async function logCommand(source: MongoClient, o: Document): Promise<void> {
  const last = await latestOplogTs(source);
  const now = Math.floor(Date.now() / 1000);
  const ts = now > last.high ? new Timestamp({ t: now, i: 1 }) : new Timestamp({ t: last.high, i: last.low + 1 });
  await source.db('local').collection('oplog.rs').insertOne({ ts, t: 1, v: 2, op: 'c', ns: `${SRC_DB}.$cmd`, o, wall: new Date() } as Document);
}

/** Captures the oplog after `afterTs` into slices until the fence insert `fence` is in a slice. */
async function capture(w: { source: MongoClient; slices: SliceStore; jobId: string }, afterTs: Timestamp, fence: number): Promise<Timestamp> {
  let seen = false;
  const { res } = await tailSlices({
    client: w.source,
    afterTs,
    deadlineMs: 120_000,
    graceMs: 200,
    sliceMaxBytes: 16 * 1024,
    sliceMaxAgeMs: 200,
    wait: { mode: 'poll', pollMs: 100 },
    now: () => Date.now() + (seen ? 3_600_000 : 0),
    writeSlice: async (s) => {
      await w.slices.writeOplogSlice({ jobId: w.jobId, sliceStore: 'slices' }, s);
      seen ||= s.entries.map(decodeRaw).some((e) => e.ns === 'other.fence' && Number((e.o as Document)._id) === fence);
    },
  });
  return res.lastTs;
}
