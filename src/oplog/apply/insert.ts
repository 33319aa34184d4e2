/**
 * Inserts. Applied as "this _id now holds this document" (an upsert), never as a plain insert, so that
 * replaying an insert over a document that already exists converges instead of failing on the _id.
 */
import type { Document } from 'mongodb';
import type { InsertEntry } from '../entry.js';

export function insertedDocument(entry: InsertEntry): Document {
  return entry.o;
}
