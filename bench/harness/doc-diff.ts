/**
 * A document-level comparison of a head collection with its source, for the soak: which source documents
 * the head lost (missing or different bytes) and which it has in excess (duplicate _ids, or documents the
 * source no longer holds). Sized for soak databases, which fit in memory as _id -> hash maps.
 */
import { createHash } from 'node:crypto';
import { BSON, type MongoClient } from 'mongodb';
import { decodeRaw } from '../../src/lib/bson.js';

async function byId(client: MongoClient, db: string, coll: string): Promise<{ docs: Map<string, string>; duplicates: number }> {
  const docs = new Map<string, string>();
  let duplicates = 0;
  const cursor = client.db(db).collection(coll).find({}, { raw: true, batchSize: 5000 });
  for await (const raw of cursor as AsyncIterable<Uint8Array>) {
    const id = BSON.EJSON.stringify(decodeRaw(raw)._id, { relaxed: false });
    if (docs.has(id)) duplicates += 1;
    docs.set(id, createHash('sha256').update(raw).digest('hex'));
  }
  return { docs, duplicates };
}

export async function diffCollection(source: MongoClient, head: MongoClient, sourceDb: string, headDb: string, coll: string): Promise<{ lost: number; duplicated: number }> {
  const [want, got] = await Promise.all([byId(source, sourceDb, coll), byId(head, headDb, coll)]);
  let lost = 0;
  for (const [id, hash] of want.docs) if (got.docs.get(id) !== hash) lost += 1;
  let extra = 0;
  for (const id of got.docs.keys()) if (!want.docs.has(id)) extra += 1;
  return { lost, duplicated: got.duplicates + extra };
}
