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
  const colls: Array<{ key: string; db: string; coll: string }> = [];
  for (const [logical, db] of Object.entries(dbs)) {
    for (const c of await client.db(db).listCollections({}, { nameOnly: true }).toArray()) colls.push({ key: `${logical}.${c.name}`, db, coll: c.name });
  }
  // The collections are read side by side: the server spends most of a read's time, not this process.
  const states = await Promise.all(colls.map(async ({ key, db, coll }) => {
    const h = new ContentHash();
    for await (const raw of client.db(db).collection(coll).find({}, { raw: true, batchSize: 2000 }) as AsyncIterable<Uint8Array>) h.add(raw);
    return [key, `${h.count} ${h.digest()}`] as const;
  }));
  return new Map(states.sort(([a], [b]) => a.localeCompare(b)));
}

/** The collections whose count or hash differ (or that only one side has). */
export function differences(a: DbState, b: DbState): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((k) => a.get(k) !== b.get(k));
}
