/**
 * Test setup for snapshots: a head written directly into the head FerretDB under the job's head database
 * names, with a minimal sync plan in a throwaway catalog database; the three real stores (fs, S3 on
 * MinIO, the FerretDB blockstore); and readers of the head's current documents and indexes to compare.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { Double, Timestamp, type Document, type MongoClient } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import type { SyncRecord } from '../../src/catalog/syncs.js';
import { headDbName } from '../../src/head/head-names.js';
import { rawReadOptions } from '../../src/lib/bson.js';
import type { ChunkCodec } from '../../src/snapshot/chunk-codec.js';
import { commitSnapshot } from '../../src/snapshot/commit-snapshot.js';
import type { Manifest } from '../../src/snapshot/manifest.js';
import { readSnapshot } from '../../src/snapshot/read-snapshot.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { MongoBlobStore } from '../../src/store/mongo-blob-store.js';
import { S3BlobStore } from '../../src/store/s3-blob-store.js';
import { fill } from '../harness/dataset.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';

export type StoreKind = 'fs' | 's3' | 'mongo';

export interface TestStore {
  store: BlobStore;
  cleanup(): Promise<void>;
}

/** A fresh, empty store of the given kind. */
export async function makeStore(kind: StoreKind, head: MongoClient): Promise<TestStore> {
  if (kind === 'fs') {
    const dir = await mkdtemp(join(tmpdir(), 'hw-snap-'));
    return { store: new FsBlobStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  if (kind === 'mongo') {
    const db = uniqueName('hw_blocks');
    return { store: new MongoBlobStore(head, db), cleanup: async () => void (await head.db(db).dropDatabase()) };
  }
  const m = services.minio;
  const client = new S3Client({
    endpoint: m.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
  });
  const store = new S3BlobStore(client, { bucket: m.bucket, prefix: `test/${uniqueName('snap')}`, partSizeBytes: 8 * 1024 * 1024, endpoint: m.endpoint, ownsClient: true });
  return {
    store,
    cleanup: async () => {
      for await (const e of store.list('')) await store.delete(e.key);
      await store.close();
    },
  };
}

export function newJobId(prefix = 's'): string {
  return uniqueName(prefix).replace(/_/g, '-').slice(0, 20);
}

export interface TestHead {
  jobId: string;
  plan: SyncRecord;
  /** Head database of source database `db`. */
  headDb: string;
  db: string;
  drop(): Promise<void>;
}

/**
 * Writes documents straight into the job's head (sync 1) and records a plan whose consistent point is
 * `consistentAt`. Collections are `db.<name>`; each gets an extra index on `n`.
 */
export async function makeHead(
  head: MongoClient,
  catalog: Catalog,
  opts: { jobId: string; collections: Array<{ name: string; count: number; size?: 'small' | 'medium' }>; consistentAt?: Timestamp },
): Promise<TestHead> {
  const db = 'src';
  const headDb = headDbName(opts.jobId, 1, db);
  for (const c of opts.collections) {
    await head.db(headDb).createCollection(c.name);
    await fill(head, `${headDb}.${c.name}`, c.count, c.size ?? 'small');
    await head.db(headDb).collection(c.name).createIndex({ n: 1 }, { name: 'n_1' });
  }
  const plan: SyncRecord = {
    _id: `${opts.jobId}/1`,
    jobId: opts.jobId,
    syncNumber: 1,
    source: 'source',
    t0: new Timestamp({ t: 1_700_000_000, i: 1 }),
    collections: opts.collections.map((c) => ({ ns: `${db}.${c.name}`, options: {}, indexes: [], estimatedCount: c.count, ranges: [{}] })),
    createdAt: new Date(),
    consistentAt: opts.consistentAt ?? new Timestamp({ t: 1_700_000_100, i: 1 }),
  };
  await catalog.syncs.recordPlan(plan);
  return { jobId: opts.jobId, plan, headDb, db, drop: async () => void (await head.db(headDb).dropDatabase()) };
}

/** The head's documents of a collection as raw BSON, in `_id` order. */
export async function headDocuments(head: MongoClient, headDb: string, coll: string): Promise<Buffer[]> {
  const cursor = head.db(headDb).collection(coll).find({}, { raw: true, sort: { _id: 1 }, batchSize: 5000 });
  const out: Buffer[] = [];
  for await (const raw of cursor as AsyncIterable<unknown>) out.push(Buffer.from(raw as Buffer));
  return out;
}

export async function headIndexes(head: MongoClient, headDb: string, coll: string): Promise<Document[]> {
  return head.db(headDb).collection(coll).listIndexes(rawReadOptions).toArray();
}

/**
 * Changes `fraction` of a collection's documents (same _id, new `name` and `score`): the newest ones
 * (`recent`, how real workloads skew: _ids are ObjectIds, so _id order is insertion order) or every k-th
 * one (`spread`). Done as one delete and one insert, not an update per document: FerretDB scans the whole
 * collection for each update, which makes many updates quadratic. Returns how many changed.
 */
export async function changeDocuments(head: MongoClient, headDb: string, coll: string, fraction: number, mode: 'recent' | 'spread'): Promise<number> {
  const c = head.db(headDb).collection(coll);
  const ids = (await c.find({}, { projection: { _id: 1 }, sort: { _id: 1 }, ...rawReadOptions }).toArray()).map((d) => d._id);
  const n = Math.max(1, Math.round(ids.length * fraction));
  const chosen = mode === 'recent' ? ids.slice(ids.length - n) : ids.filter((_, i) => i % Math.round(1 / fraction) === 0).slice(0, n);
  const docs = await c.find({ _id: { $in: chosen } }, rawReadOptions).toArray();
  const changed = docs.map((d, i) => ({ ...d, name: `changed-${i}-${Date.now()}`, score: new Double(i + 0.5) }));
  await c.deleteMany({ _id: { $in: chosen } });
  await c.insertMany(changed, { ordered: false });
  return changed.length;
}

/** A catalog in a database of its own, dropped by `drop`. */
export function testCatalog(head: MongoClient): { catalog: Catalog; drop(): Promise<void> } {
  const name = uniqueName('hw_cat');
  return { catalog: new Catalog(head, name), drop: async () => void (await head.db(name).dropDatabase()) };
}

/** The head and a catalog of its own for one describe block: made before its tests, dropped after. */
export function useTestCatalog(): { head: () => MongoClient; cat: () => ReturnType<typeof testCatalog> } {
  let head: MongoClient | undefined;
  let cat: ReturnType<typeof testCatalog> | undefined;
  before(() => {
    head = mongoClient('head');
    cat = testCatalog(head);
  });
  after(async () => {
    await cat?.drop();
    await head?.close();
  });
  return { head: () => head!, cat: () => cat! };
}

/** Small chunks, so that a few MB of test data make hundreds of chunks and dedup is measurable. */
export const SMALL_CHUNKS = { minBytes: 4 * 1024, avgBytes: 16 * 1024, maxBytes: 64 * 1024 };

/** Reads the head into the store and commits the snapshot, as the workflow's activities do (apply not running). */
export async function snapshotNow(o: {
  head: MongoClient;
  store: BlobStore;
  catalog: Catalog;
  plan: SyncRecord;
  ts: Timestamp;
  codec?: ChunkCodec;
  storeId?: string;
}): Promise<Manifest> {
  await readSnapshot({ head: o.head, store: o.store, plan: o.plan, ts: o.ts, codec: o.codec ?? { compression: 'zstd' }, chunker: SMALL_CHUNKS });
  const { manifest } = await commitSnapshot({ store: o.store, storeId: o.storeId ?? 'test', catalog: o.catalog, jobId: o.plan.jobId, ts: o.ts, leaseHeld: true });
  return manifest;
}
