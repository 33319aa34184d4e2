/**
 * Equality of two collections for tests: count, order-independent content hash of the raw BSON bytes,
 * and duplicate _ids. Raw bytes, so a changed type (int32 vs double) or field order is a difference.
 */
import type { MongoClient } from 'mongodb';
import { ContentHash } from '../../src/lib/content-hash.js';
import { decodeRaw } from '../../src/lib/bson.js';
import { BSON } from 'mongodb';

export interface Digest {
  count: number;
  hash: string;
  duplicates: number;
}

export async function digest(client: MongoClient, db: string, coll: string): Promise<Digest> {
  const h = new ContentHash();
  const ids = new Set<string>();
  let duplicates = 0;
  const cursor = client.db(db).collection(coll).find({}, { raw: true, batchSize: 5000 });
  for await (const raw of cursor as AsyncIterable<unknown>) {
    const bytes = raw as Uint8Array;
    h.add(bytes);
    const id = BSON.EJSON.stringify(decodeRaw(bytes)._id, { relaxed: false });
    if (ids.has(id)) duplicates += 1;
    ids.add(id);
  }
  return { count: h.count, hash: h.digest(), duplicates };
}
