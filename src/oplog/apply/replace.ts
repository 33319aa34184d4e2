/**
 * Full-document updates: MongoDB logs a replacement as the whole new document (no `$v`, no operators);
 * FerretDB logs every update as `{ $v: 1, $set: <whole new document> }`. Either way the result is that
 * document, its _id first (taken from `o2` when the entry omits it), whatever the document held before.
 */
import type { Document } from 'mongodb';
import { fieldNames } from '../../lib/bson.js';
import type { UpdateEntry } from '../entry.js';
import { put } from './update-v2.js';

export function replacementDocument(entry: UpdateEntry, shape: 'replace' | 'ferretdb-replace'): Document {
  const body = shape === 'replace' ? entry.o : (entry.o.$set as Document);
  if (body._id !== undefined) return body;
  const out: Document = {};
  put(out, '_id', entry.o2._id);
  for (const name of fieldNames(body)) put(out, name, body[name]);
  return out;
}
