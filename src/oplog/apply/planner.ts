/**
 * The batch planner (pure). A run is the CRUD operations between two commands. Per target namespace it
 * says which documents must be read first (those whose first operation in the run is an update that
 * needs the old version, or whose absence must be known before writing), then
 * replays the operations in order on in-memory documents and yields one final write per _id. An update
 * of a document the target lacks is never invented: it is reported as missing, for the initial sync's
 * "fetching missing documents" phase to re-read it from the source.
 */
import type { Document } from 'mongodb';
import type { CrudEntry } from '../entry.js';
import { deletedId } from './delete.js';
import { insertedDocument } from './insert.js';
import { nsName, type DocumentWrite, type TargetNs } from './target.js';
import { applyToDocument, isFullDocumentUpdate } from './update.js';
import { valueKey } from './values.js';

/** One CRUD operation, routed: `ns` is its source namespace, `target` where it lands. */
export interface CrudOp {
  entry: CrudEntry;
  ns: string;
  target: TargetNs;
}

export interface Missing {
  ns: string;
  _id: unknown;
}

export interface NamespacePlan {
  writes: DocumentWrite[];
  missing: Missing[];
}

/** The pending CRUD operations of one run, grouped by target namespace, each group in oplog order. */
export class CrudRun {
  private readonly groups = new Map<string, { target: TargetNs; ops: CrudOp[] }>();
  private count = 0;

  add(op: CrudOp): void {
    const key = nsName(op.target);
    const group = this.groups.get(key) ?? { target: op.target, ops: [] };
    group.ops.push(op);
    this.groups.set(key, group);
    this.count += 1;
  }

  get size(): number {
    return this.count;
  }

  /** Hands over the groups and empties the run. */
  take(): Array<{ target: TargetNs; ops: CrudOp[] }> {
    const out = [...this.groups.values()];
    this.groups.clear();
    this.count = 0;
    return out;
  }
}

/** The _ids whose current version must be read before the run can be applied. */
export function idsToLoad(ops: CrudOp[]): unknown[] {
  const blind = unreadIds(ops);
  return [...firstOps(ops)]
    .filter(([key, op]) => op.entry.op === 'u' && !blind.has(key))
    .map(([, op]) => idOf(op.entry));
}

/**
 * The _ids (by valueKey) whose run begins with an update carrying the whole document and holds no insert
 * of them: their new version needs no old one, and whether the target holds them is left to the write
 * ('existing'), which saves a read per run. An alwaysUpsert (`b`) update is read as before. When the run
 * ends by deleting such a document, the delete is written and its earlier updates are not checked: the
 * document is gone either way, and "fetching missing documents" would find it gone on the source too.
 */
export function unreadIds(ops: CrudOp[]): Set<string> {
  const blind = new Set<string>();
  for (const [key, op] of firstOps(ops)) {
    const e = op.entry;
    if (e.op === 'u' && e.b !== true && isFullDocumentUpdate(e)) blind.add(key);
  }
  for (const { entry } of ops) if (entry.op === 'i') blind.delete(valueKey(idOf(entry)));
  return blind;
}

/** The missing documents for the _ids of 'existing' writes a target did not hold (named by their first operation). */
export function absentAsMissing(ops: CrudOp[], absent: unknown[]): Missing[] {
  const first = firstOps(ops);
  return absent.map((_id) => ({ ns: first.get(valueKey(_id))?.ns ?? '', _id }));
}

interface DocState {
  _id: unknown;
  doc: Document | null;
  changed: boolean;
  expect?: 'new' | 'existing';
}

/**
 * Applies the operations of one namespace, in order, to the documents read from the target (`current`,
 * for the _ids of idsToLoad); _ids the run begins with an insert, or with a whole-document update
 * (unreadIds), are written with what is known of them on the target (DocumentWrite's `expect`).
 * @throws UnknownOplogEntry when an update's form or diff is unknown
 */
export function planNamespace(ops: CrudOp[], current: Document[]): NamespacePlan {
  const state = new Map<string, DocState>();
  const read = new Map<string, Document>();
  for (const doc of current) {
    state.set(valueKey(doc._id), { _id: doc._id, doc, changed: false });
    read.set(valueKey(doc._id), doc);
  }
  const blind = unreadIds(ops);
  const missing = new Map<string, Missing>();
  for (const { entry, ns } of ops) {
    const _id = idOf(entry);
    const key = valueKey(_id);
    const now = state.get(key);
    if (entry.op === 'i') {
      // Not read, not seen in the run: most likely new on the target (a replay finds it there).
      const expect = now === undefined ? 'new' : now.expect;
      state.set(key, { _id, doc: insertedDocument(entry), changed: true, ...(expect && { expect }) });
    } else if (entry.op === 'd') state.set(key, { _id, doc: null, changed: true });
    else if (now?.doc != null)
      state.set(key, { ...now, doc: applyToDocument(now.doc, entry), changed: true });
    else if (now === undefined && blind.has(key))
      state.set(key, { _id, doc: applyToDocument({}, entry), changed: true, expect: 'existing' });
    else if (entry.b === true && isFullDocumentUpdate(entry))
      state.set(key, { _id, doc: applyToDocument({}, entry), changed: true });
    else missing.set(`${ns}\u0000${key}`, { ns, _id });
  }
  return { writes: writesOf(state, read), missing: [...missing.values()] };
}

function writesOf(state: Map<string, DocState>, read: Map<string, Document>): DocumentWrite[] {
  const writes: DocumentWrite[] = [];
  for (const [key, s] of state) {
    if (!s.changed) continue;
    const previous = read.get(key);
    if (s.doc === null) writes.push({ kind: 'delete', _id: s._id });
    else
      writes.push({
        kind: 'replace',
        _id: s._id,
        doc: s.doc,
        ...(previous && { previous }),
        ...(s.expect !== undefined && { expect: s.expect }),
      });
  }
  return writes;
}

/** Each _id's first operation in the run, by valueKey, in run order. */
function firstOps(ops: CrudOp[]): Map<string, CrudOp> {
  const first = new Map<string, CrudOp>();
  for (const op of ops) {
    const key = valueKey(idOf(op.entry));
    if (!first.has(key)) first.set(key, op);
  }
  return first;
}

function idOf(entry: CrudEntry): unknown {
  if (entry.op === 'i') return insertedDocument(entry)._id;
  if (entry.op === 'd') return deletedId(entry);
  return entry.o2._id;
}
