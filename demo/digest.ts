/**
 * What a set of databases holds, for proving a restore: per collection, the count and the order-independent
 * content hash of the documents' raw BSON bytes (src/lib/content-hash.ts), so a changed value, type or field
 * order, a missing or a duplicated document all show.
 */
import type { MongoClient } from 'mongodb';
import { ContentHash } from '../src/lib/content-hash.js';

/** `<logical db>.<collection>` -> "<count> <hash>". */
export type DbState = Map<string, string>;

export async function databaseState(client: MongoClient, dbs: Record<string, string>): Promise<DbState> {
  const out: DbState = new Map();
  for (const [logical, db] of Object.entries(dbs)) {
    const colls = (await client.db(db).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    for (const coll of colls) {
      const h = new ContentHash();
      for await (const raw of client.db(db).collection(coll).find({}, { raw: true, batchSize: 2000 }) as AsyncIterable<Uint8Array>) h.add(raw);
      out.set(`${logical}.${coll}`, `${h.count} ${h.digest()}`);
    }
  }
  return out;
}

/** The collections whose count or hash differ (or that only one side has). */
export function differences(a: DbState, b: DbState): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((k) => a.get(k) !== b.get(k));
}
