/**
 * The collections of a job's head, as a snapshot records them: every collection of the sync's head
 * databases (also those the oplog created after the sync), with the indexes the head has now (which
 * follow createIndexes/dropIndexes in the oplog) and the source's options from the sync plan (the head
 * leaves validators off), falling back to the head's own options for collections the plan does not know.
 * Index specs are read without promotion, so a key of int32 1 and one of double 1.0 stay distinct.
 */
import type { Document, MongoClient } from 'mongodb';
import type { SyncRecord } from '../catalog/syncs.js';
import { headDbName } from '../head/head-names.js';
import { rawReadOptions } from '../lib/bson.js';
import { splitNs } from '../lib/namespace.js';

export interface HeadCollection {
  /** The source namespace. */
  ns: string;
  headDb: string;
  coll: string;
  options: Document;
  indexes: Document[];
}

export async function listHeadCollections(head: MongoClient, plan: SyncRecord): Promise<HeadCollection[]> {
  const planned = new Map(plan.collections.map((c) => [c.ns, c]));
  // The applier writes only to databases of the plan and those it recorded as followed since
  // (src/head/apply-range.ts), so these are all the head holds; listing them from the sync record also
  // avoids listDatabases, which FerretDB can block for minutes.
  const sourceDbs = [...new Set([...plan.collections.map((c) => splitNs(c.ns).db), ...(plan.followedDbs ?? [])])].sort();
  const out: HeadCollection[] = [];
  for (const sourceDb of sourceDbs) {
    const headDb = headDbName(plan.jobId, plan.syncNumber, sourceDb);
    const colls = await head.db(headDb).listCollections({}, { nameOnly: false }).toArray();
    for (const c of colls) {
      if ((c.type ?? 'collection') !== 'collection' || c.name.startsWith('system.')) continue;
      const ns = `${sourceDb}.${c.name}`;
      const indexes = (await head.db(headDb).collection(c.name).listIndexes(rawReadOptions).toArray()) as Document[];
      const options = (planned.get(ns)?.options ?? c.options ?? {}) as Document;
      out.push({ ns, headDb, coll: c.name, options, indexes: indexes.map(withoutNs) });
    }
  }
  return out.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
}

/** The head's namespace in an index spec (older servers add `ns`) would name the head, not the source. */
function withoutNs(spec: Document): Document {
  const { ns: _ns, ...rest } = spec;
  return rest;
}
