/**
 * `applyToDocument`: the new version of a document after one `u` entry, whatever form the entry takes
 * ($v:2 diff, $v:1 $set/$unset, full replacement, FerretDB's whole-document $set). Pure: no I/O, and the
 * input document is never mutated, so the planner can keep both versions.
 */
import type { Document } from 'mongodb';
import { unknownEntry, updateShape, type UpdateEntry } from '../entry.js';
import { replacementDocument } from './replace.js';
import { applyV1Update } from './update-v1.js';
import { applyDiff } from './update-v2.js';

/** @throws UnknownOplogEntry quoting the entry when its update form or diff is not one MongoDB writes. */
export function applyToDocument(doc: Document, entry: UpdateEntry): Document {
  const shape = updateShape(entry);
  switch (shape) {
    case 'v2':
      return applyDiff(doc, entry.o.diff as Document, (why) => {
        throw unknownEntry(entry, why);
      });
    case 'v1':
      return applyV1Update(doc, entry.o);
    case 'replace':
    case 'ferretdb-replace':
      return replacementDocument(entry, shape);
  }
}

/** Whether the entry carries the whole new document (so applying it does not need the old one). */
export function isFullDocumentUpdate(entry: UpdateEntry): boolean {
  const shape = updateShape(entry);
  return shape === 'replace' || shape === 'ferretdb-replace';
}
