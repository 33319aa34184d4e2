/**
 * Baselines for applying oplog entries: the same entries replayed one round trip per entry (what
 * `mongorestore --oplogReplay` does: one `applyOps` command per entry, which FerretDB does not implement),
 * and a bare ordered `bulkWrite` of the same entries. Entries are translated with applyOps' semantics
 * (inserts and updates upsert), onto a copy of the source database taken before the entries were written.
 */
import { readFileSync } from 'node:fs';
import { Timestamp, type AnyBulkWriteOperation, type Document, type MongoClient } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import { decodeRaw } from '../../src/lib/bson.js';
import { replaySlices } from '../../src/oplog/replay/replay-slices.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';

export interface Translated {
  coll: string;
  model: AnyBulkWriteOperation<Document>;
}

/** The documents of a mongodump .bson file (BSON documents back to back). */
export function readBsonFile(path: string): Document[] {
  const buf = readFileSync(path);
  const docs: Document[] = [];
  for (let at = 0; at < buf.length; ) {
    const len = buf.readInt32LE(at);
    docs.push(decodeRaw(buf.subarray(at, at + len)));
    at += len;
  }
  return docs;
}

/** One oplog entry as a write on its collection; `n` entries yield nothing; other shapes are refused. */
export function translate(entry: Document): Translated | undefined {
  const op = String(entry.op);
  const ns = String(entry.ns);
  const coll = ns.slice(ns.indexOf('.') + 1);
  const o = entry.o as Document;
  switch (op) {
    case 'i':
      return { coll, model: { replaceOne: { filter: { _id: o._id }, replacement: o, upsert: true } } };
    case 'u': {
      const filter = entry.o2 as Document;
      if (!Object.keys(o).some((k) => k.startsWith('$'))) return { coll, model: { replaceOne: { filter, replacement: o, upsert: true } } };
      const update: Document = {};
      if (o.$set) update.$set = Object.fromEntries(Object.entries(o.$set as Document).filter(([k]) => k !== '_id'));
      if (o.$unset) update.$unset = o.$unset;
      return { coll, model: { updateOne: { filter, update, upsert: true } } };
    }
    case 'd':
      return { coll, model: { deleteOne: { filter: o } } };
    case 'n':
      return undefined;
    default:
      throw new Error(`the replay baseline does not translate oplog entries of op '${op}' (${ns})`);
  }
}

/** One round trip per entry, in oplog order (mongorestore --oplogReplay's pattern). */
export async function replayOneByOne(client: MongoClient, db: string, ops: Translated[]): Promise<{ seconds: number }> {
  const started = performance.now();
  for (const { coll, model } of ops) await client.db(db).collection(coll).bulkWrite([model], { ordered: true });
  return { seconds: (performance.now() - started) / 1000 };
}

/**
 * Ordered bulkWrites of up to `batch` entries per collection (order within a collection is what matters).
 * 64, as Headwater's applier sends on FerretDB 1.24, which never answers an update command that modifies
 * 100 or more existing documents (docs/ferretdb-findings.md); on MongoDB pass 1,000.
 */
export async function replayBulk(client: MongoClient, db: string, ops: Translated[], batch = 64): Promise<{ seconds: number }> {
  const byColl = new Map<string, Array<AnyBulkWriteOperation<Document>>>();
  for (const { coll, model } of ops) (byColl.get(coll) ?? byColl.set(coll, []).get(coll)!).push(model);
  const started = performance.now();
  for (const [coll, models] of byColl) {
    for (let at = 0; at < models.length; at += batch) {
      await client.db(db).collection(coll).bulkWrite(models.slice(at, at + batch), { ordered: true });
    }
  }
  return { seconds: (performance.now() - started) / 1000 };
}

/**
 * Headwater's own applier on the same footing as the baselines (the follow stopped, the servers to itself):
 * the job's captured slices after `afterTs`, read from the worker's fs slice store, replayed with
 * replaySlices onto a copy through `mapNamespace`. Only the replay is timed.
 */
export async function replayHeadwaterSlices(o: {
  head: MongoClient;
  jobId: string;
  syncNumber: number;
  storeDir: string;
  afterTs: Timestamp;
  mapNamespace: (ns: string) => { db: string; coll: string } | null;
}): Promise<{ seconds: number; entries: number }> {
  const catalog = new Catalog(o.head, 'headwater');
  const store = new FsBlobStore(o.storeDir);
  const slices = new SliceStore(() => store, catalog.slices);
  const chain = await catalog.slices.oplogBetween({ jobId: o.jobId, syncNumber: o.syncNumber }, o.afterTs, new Timestamp({ t: 0xffffffff, i: 0 }));
  const started = performance.now();
  const res = await replaySlices({ target: o.head, mapNamespace: o.mapNamespace, slices: chain, read: (rec) => slices.read(rec), afterTs: o.afterTs });
  return { seconds: (performance.now() - started) / 1000, entries: res.entries };
}
