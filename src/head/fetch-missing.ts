/**
 * The `fetching missing documents` phase: documents an update referred to that the head lacked are
 * re-read from the source by _id and written to the head. A document the source no longer has was
 * deleted later; its delete is in the oplog, which the workflow replays afterwards.
 */
import type { Document, MongoClient } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import { rawReadOptions } from '../lib/bson.js';
import { splitNs } from '../lib/namespace.js';
import { headNamespace } from './head-names.js';

export async function fetchMissing(opts: {
  jobId: string;
  syncNumber: number;
  catalog: Catalog;
  source: MongoClient;
  head: MongoClient;
}): Promise<{ fetched: number; gone: number }> {
  const items = await opts.catalog.syncs.unfetched(opts.jobId, opts.syncNumber);
  const byNs = new Map<string, unknown[]>();
  for (const m of items) (byNs.get(m.ns) ?? byNs.set(m.ns, []).get(m.ns)!).push(m._id);
  let fetched = 0;
  for (const [ns, ids] of byNs) {
    const { db, coll } = splitNs(ns);
    const docs = await opts.source
      .db(db)
      .collection(coll)
      .find({ _id: { $in: ids } } as Document, rawReadOptions)
      .toArray();
    const head = headNamespace(opts.jobId, opts.syncNumber, ns);
    // In batches under 100: FerretDB 1.24 hangs on an update command touching 100+ existing documents.
    for (let i = 0; i < docs.length; i += 50) {
      const batch = docs.slice(i, i + 50);
      await opts.head
        .db(head.db)
        .collection(head.coll)
        .bulkWrite(
          batch.map((d) => ({ replaceOne: { filter: { _id: d._id }, replacement: d, upsert: true } })),
          { ordered: false },
        );
    }
    fetched += docs.length;
  }
  await opts.catalog.syncs.markFetched(opts.jobId, opts.syncNumber, items);
  return { fetched, gone: items.length - fetched };
}
