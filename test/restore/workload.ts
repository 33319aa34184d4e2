/**
 * One workload for the restore tests, made once: a throwaway source FerretDB (its own oplog, so other
 * suites' load cannot roll it over), a first phase captured into oplog slices and applied to a head with
 * the head's own applyOplogRange, snapshots of that head in the three stores (S3 encrypted; fs and the
 * blockstore both in clear and, in stores of their own, encrypted), then recorded
 * moments (nested updates, inserts, deletes, a create, a drop, and a database created after the
 * snapshot) captured into more slices. Each moment keeps the source's per-collection digests and the ts of
 * its last oplog entry. A second job (`sealed`) shares the snapshot, its slices after it sealed with a key.
 */
import { Double, Int32, MongoClient, Timestamp, type Document } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import { BlobKey } from '../../src/codec/keys.js';
import { applyOplogRange } from '../../src/head/apply-range.js';
import { keyRefFor } from '../../src/job/snapshot-gate.js';
import { headDbName } from '../../src/head/head-names.js';
import { decodeRaw } from '../../src/lib/bson.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { digest, type Digest } from '../harness/compare.js';
import { makeDoc } from '../harness/dataset.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { tailSlices } from '../oplog/tail-fixture.js';
import { makeStore, newJobId, snapshotNow, type TestStore } from '../snapshot/fixtures.js';

export const SRC_DB = 'wl';
/** A database the job's filter includes that the source creates after the snapshot (in the last moment). */
export const NEW_DB = 'wlnew';
/** The key id the sealed job's slices are sealed with. */
export const SLICE_KEY_ID = 'restore-slices';
export type State = Map<string, Digest>;
export type StoreId = 'fs' | 's3' | 's3-clear' | 'mongo' | 'fs-sealed' | 'mongo-sealed' | 'slices';

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
  /** NEW_DB at the last moment. */
  newDbState: State;
  /** A job sharing the snapshot whose oplog slices after it are sealed with `sliceKey` (id SLICE_KEY_ID). */
  sealed: { jobId: string; sliceKey: BlobKey };
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
    's3-clear': await makeStore('s3', head),
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
    _id: `${jobId}/1`, jobId, syncNumber: 1, source: 'source', t0, createdAt: new Date(), filter: { include: [SRC_DB, NEW_DB], exclude: [] },
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
  await snapshotNow({ head, store: stores['s3-clear'].store, catalog, plan, ts: snapshotTs, storeId: 's3-clear' });
  await snapshotNow({ head, store: stores.fs.store, catalog, plan, ts: snapshotTs, storeId: 'fs' });

  // Phase B: the recorded moments, captured after the snapshot.
  const { moments, exact, newDbState } = await phaseB(source);
  await nextSecond();
  await source.db('other').collection('fence').insertOne({ _id: 2 } as Document);
  await capture(w, snapshotTs, 2);
  const sealed = await sealedCopy({ catalog, slices, jobId, snapshotTs, plan });
  return {
    source, head, catalog, jobId, key, stores, storeOf, snapshotTs, atSnapshot, moments, exact, newDbState, sealed,
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

/**
 * A second job that shares the job's snapshot (a copy of its catalog record) and whose chain after it holds
 * the same entries, sealed with a key found in HEADWATER_KEY_<id> only while they are written.
 */
async function sealedCopy(o: { catalog: Catalog; slices: SliceStore; jobId: string; snapshotTs: Timestamp; plan: Awaited<ReturnType<Catalog['syncs']['get']>> }): Promise<Workload['sealed']> {
  const jobId = `${o.jobId}-sealed`;
  const sliceKey = new BlobKey(Buffer.alloc(32, 7), SLICE_KEY_ID);
  const snap = await o.catalog.snapshots.get(snapshotId(o.jobId, o.snapshotTs));
  await o.catalog.snapshots.record({ ...snap, _id: snapshotId(jobId, o.snapshotTs), jobId });
  await o.catalog.syncs.recordPlan({ ...o.plan, _id: `${jobId}/1`, jobId, sliceKeyId: SLICE_KEY_ID });
  const env = keyRefFor(SLICE_KEY_ID).env;
  process.env[env] = sliceKey.secret().toString('hex');
  try {
    for (const rec of await o.catalog.slices.oplogAfter(o.jobId, o.snapshotTs)) {
      const entries = await o.slices.read(rec);
      const s = { entries, walls: entries.map(() => Number.NaN), prevTs: rec.prevTs!, firstTs: rec.firstTs!, lastTs: rec.lastTs! };
      await o.slices.writeOplogSlice({ jobId, syncNumber: 1, sliceStore: 'slices', keyId: SLICE_KEY_ID }, s);
    }
  } finally {
    delete process.env[env];
  }
  return { jobId, sliceKey };
}

async function phaseB(source: MongoClient): Promise<{ moments: Moment[]; exact: Moment; newDbState: State }> {
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
  // 4. more inserts and an update of the new collection; a database created (logged as MongoDB would) and written
  await db.collection('users').insertMany(Array.from({ length: 30 }, (_, i) => makeDoc(1000 + i)));
  await db.collection('audit').updateOne({ _id: new Int32(3) } as Document, { $set: { what: 'changed', at: new Date(0) } });
  await source.db(NEW_DB).createCollection('events');
  await logCommand(source, { create: 'events' }, NEW_DB);
  await source.db(NEW_DB).collection('events').insertMany(Array.from({ length: 12 }, (_, i) => ({ _id: new Int32(i), kind: `e${i % 3}` })) as Document[]);
  await source.db(NEW_DB).collection('events').updateOne({ _id: new Int32(4) } as Document, { $set: { kind: 'late' } });
  const newDbState = await sourceState(source, NEW_DB);
  await mark('inserts and an update after the drop, and a new database');
  return { moments, exact, newDbState };
}

/** FerretDB logs no DDL: writes the entry MongoDB would log, as the oplog's next entry. */
async function logCommand(source: MongoClient, o: Document, db = SRC_DB): Promise<void> {
  const last = await latestOplogTs(source);
  const now = Math.floor(Date.now() / 1000);
  const ts = now > last.high ? new Timestamp({ t: now, i: 1 }) : new Timestamp({ t: last.high, i: last.low + 1 });
  await source.db('local').collection('oplog.rs').insertOne({ ts, t: 1, v: 2, op: 'c', ns: `${db}.$cmd`, o, wall: new Date() } as Document);
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
