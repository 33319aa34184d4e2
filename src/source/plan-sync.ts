/**
 * The plan of an initial sync, made in `starting`: T0 (the newest oplog entry, read before any document),
 * then every namespace the filter keeps, with its options, its indexes and, for a large collection, the
 * _id boundaries that split it into ranges copied in parallel.
 */
import type { Document, MongoClient, ReadPreferenceLike } from 'mongodb';
import { Timestamp } from 'mongodb';
import { OplogMissing } from '../errors/domain-errors.js';
import type { CollectionPlan, IdRange } from '../catalog/syncs.js';
import { rawReadOptions } from '../lib/bson.js';
import { serverKind } from '../lib/server-kind.js';
import { NamespaceFilter } from './namespace-filter.js';
import { sourceReads, type SourceReads } from './read-options.js';

/** The timestamp of the newest majority-committed entry in the source's oplog (src/source/read-options.ts). */
export async function latestOplogTs(client: MongoClient, reads: SourceReads = sourceReads()): Promise<Timestamp> {
  const [last] = await client
    .db('local')
    .collection('oplog.rs')
    .find({}, { projection: { ts: 1 }, ...reads })
    .sort({ $natural: -1 })
    .limit(1)
    .toArray();
  if (last === undefined || !(last.ts instanceof Timestamp)) {
    throw new OplogMissing('the source oplog (local.oplog.rs) is empty: cannot record a starting position');
  }
  return last.ts;
}

export async function planCollections(
  client: MongoClient,
  opts: {
    include: string[];
    exclude: string[];
    rangeDocs: number;
    readPreference?: ReadPreferenceLike;
    onProgress?: (p: { planned: number; ns: string }) => void;
    signal?: AbortSignal;
  },
): Promise<CollectionPlan[]> {
  const filter = new NamespaceFilter(opts);
  const { databases } = await client.db('admin').command({ listDatabases: 1, nameOnly: true });
  const plans: CollectionPlan[] = [];
  for (const { name: dbName } of databases as Array<{ name: string }>) {
    if (!filter.mayMatchDb(dbName)) continue;
    const db = client.db(dbName);
    const colls = await db.listCollections({}, { nameOnly: false }).toArray();
    for (const c of colls) {
      const ns = `${dbName}.${c.name}`;
      // Views are definitions, not data; time-series and other types are not copied by cursor.
      if ((c.type ?? 'collection') !== 'collection' || !filter.matches(ns)) continue;
      const coll = db.collection(c.name);
      const indexes = (await coll.listIndexes().toArray()) as Document[];
      const estimatedCount = await estimateCount(client, dbName, c.name);
      opts.signal?.throwIfAborted();
      const ranges = await splitRanges(client, ns, estimatedCount, opts.rangeDocs, opts.readPreference);
      plans.push({ ns, options: (c.options ?? {}) as Document, indexes, estimatedCount, ranges });
      opts.onProgress?.({ planned: plans.length, ns });
    }
  }
  return plans.sort((a, b) => a.ns.localeCompare(b.ns));
}

/**
 * The collection's document count from metadata. MongoDB's `count` without a filter reads metadata; on
 * FerretDB it reads every document (as long as a full drain, 5 s for 51k documents), while its
 * `collStats` count does not (0.1 s). Only used for ranges and progress, so an estimate is enough.
 */
async function estimateCount(client: MongoClient, dbName: string, coll: string): Promise<number> {
  if ((await serverKind(client)) === 'ferretdb') {
    const stats = await client.db(dbName).command({ collStats: coll });
    return Number(stats.count ?? 0);
  }
  return client.db(dbName).collection(coll).estimatedDocumentCount();
}

/**
 * _id boundaries every `rangeDocs` documents, from one pass over the _id index (only _ids travel).
 * Ranges are [min, max): the first has no min, the last no max, so documents inserted later still fall
 * in exactly one range.
 */
async function splitRanges(
  client: MongoClient,
  ns: string,
  estimatedCount: number,
  rangeDocs: number,
  readPreference?: ReadPreferenceLike,
): Promise<IdRange[]> {
  if (estimatedCount <= rangeDocs) return [{}];
  const [dbName, ...rest] = ns.split('.');
  const cursor = client
    .db(dbName!)
    .collection(rest.join('.'))
    .find(
      {},
      { projection: { _id: 1 }, sort: { _id: 1 }, batchSize: 10_000, readPreference, ...rawReadOptions },
    );
  const bounds: unknown[] = [];
  let i = 0;
  for await (const doc of cursor) {
    if (i > 0 && i % rangeDocs === 0) bounds.push(doc._id);
    i += 1;
  }
  const ranges: IdRange[] = [];
  let min: unknown;
  for (const b of bounds) {
    ranges.push(min === undefined ? { max: b } : { min, max: b });
    min = b;
  }
  ranges.push(min === undefined ? {} : { min });
  return ranges;
}

/**
 * How many documents make a range when the sync does not say. On MongoDB an _id range is an index seek,
 * so ranges of 50,000 let one collection be copied in parallel. On FerretDB every range query scans and
 * sorts the whole collection, and planning the split reads it once more: ranges multiply the source's
 * work (a 250 MiB sync spent 42 s planning), so each collection is copied as one range there.
 */
export async function defaultRangeDocs(client: MongoClient): Promise<number> {
  return (await serverKind(client)) === 'ferretdb' ? Number.MAX_SAFE_INTEGER : 50_000;
}
