/**
 * Inserts a slice's documents into the head: one unordered bulk insert, tolerant of documents already
 * present (a retried build re-inserts a slice it had partly inserted; the oplog replay settles versions).
 */
import { MongoBulkWriteError, type Collection, type Document } from 'mongodb';
import { decodeRaw } from '../lib/bson.js';

const DUPLICATE_KEY = 11000;

export async function insertDocs(coll: Collection<Document>, docs: Uint8Array[]): Promise<number> {
  if (docs.length === 0) return 0;
  try {
    const res = await coll.insertMany(docs.map(decodeRaw), { ordered: false });
    return res.insertedCount;
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    const other = errors.find((e) => e.code !== DUPLICATE_KEY);
    if (other !== undefined) throw err;
    return err.result.insertedCount;
  }
}
