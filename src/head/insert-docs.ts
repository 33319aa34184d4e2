/**
 * Inserts a slice's documents into the head: one unordered bulk insert, tolerant of documents already
 * present (a retried build re-inserts a slice it had partly inserted; the oplog replay settles versions).
 */
import { MongoBulkWriteError, type Collection, type Document } from 'mongodb';
import { decodeOrdered, toWire } from '../lib/bson.js';

const DUPLICATE_KEY = 11000;

export async function insertDocs(coll: Collection<Document>, docs: Uint8Array[]): Promise<number> {
  if (docs.length === 0) return 0;
  try {
    // Field order kept byte for byte: decodeRaw would move integer-like names ("2023") first.
    const res = await coll.insertMany(docs.map((d) => toWire(decodeOrdered(d))), {
      ordered: false,
      // Every document has its _id; a Map (toWire) must not get a driver-made one added beside it.
      forceServerObjectId: true,
    });
    return res.insertedCount;
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    // Compared as numbers: a code may arrive as a BSON Int32.
    const other = errors.find((e) => Number(e.code) !== DUPLICATE_KEY);
    if (other !== undefined) throw err;
    return err.result.insertedCount;
  }
}
