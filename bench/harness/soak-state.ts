/**
 * A database's state as the soak records and compares it: per collection, the count and content hash
 * (src/lib/content-hash.ts, the one restore verification uses) and each document's SHA-256 by `_id`, so a
 * difference is counted in documents: lost (missing or changed) and duplicated (in excess: a second copy
 * of an `_id`, or a document the recorded state does not hold). Soak databases fit in memory this way.
 */
import { createHash } from 'node:crypto';
import { BSON, type MongoClient } from 'mongodb';
import { decodeRaw } from '../../src/lib/bson.js';
import { ContentHash } from '../../src/lib/content-hash.js';

export interface CollState {
  count: number;
  hash: string;
  docs: Map<string, string>;
  duplicates: number;
}
export type DbState = Map<string, CollState>;

export async function collState(client: MongoClient, db: string, coll: string): Promise<CollState> {
  const h = new ContentHash();
  const docs = new Map<string, string>();
  let duplicates = 0;
  const cursor = client.db(db).collection(coll).find({}, { raw: true, batchSize: 5000 });
  for await (const raw of cursor as AsyncIterable<Uint8Array>) {
    h.add(raw);
    const id = BSON.EJSON.stringify(decodeRaw(raw)._id, { relaxed: false });
    if (docs.has(id)) duplicates += 1;
    docs.set(id, createHash('sha256').update(raw).digest('hex'));
  }
  return { count: h.count, hash: h.digest(), docs, duplicates };
}

/** Every collection of `db` that `keep` accepts, by name. */
export async function dbState(client: MongoClient, db: string, keep: (coll: string) => boolean): Promise<DbState> {
  const names = (await client.db(db).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter(keep).sort();
  const out: DbState = new Map();
  for (const n of names) out.set(n, await collState(client, db, n));
  return out;
}

export interface StateDiff {
  lost: number;
  duplicated: number;
  /** Collections whose count or content hash differ (or that only one side has). */
  differing: string[];
  /** The first lost documents (collection, `_id` as canonical EJSON), for the trace (soak-trace.ts). */
  lostIds: Array<{ coll: string; id: string }>;
}

const LOST_IDS_KEPT = 20;

export function diffStates(want: DbState, got: DbState): StateDiff {
  const diff: StateDiff = { lost: 0, duplicated: 0, differing: [], lostIds: [] };
  for (const name of new Set([...want.keys(), ...got.keys()])) {
    const w = want.get(name) ?? { count: 0, hash: '', docs: new Map<string, string>(), duplicates: 0 };
    const g = got.get(name) ?? { count: 0, hash: '', docs: new Map<string, string>(), duplicates: 0 };
    if (w.count !== g.count || w.hash !== g.hash || want.has(name) !== got.has(name)) diff.differing.push(name);
    for (const [id, sha] of w.docs) {
      if (g.docs.get(id) === sha) continue;
      diff.lost += 1;
      if (diff.lostIds.length < LOST_IDS_KEPT) diff.lostIds.push({ coll: name, id });
    }
    for (const id of g.docs.keys()) if (!w.docs.has(id)) diff.duplicated += 1;
    diff.duplicated += g.duplicates;
  }
  return diff;
}
