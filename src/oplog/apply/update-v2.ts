/**
 * Applies a `$v: 2` update (a document diff, MongoDB 5.0+) to a document, with the semantics of the
 * server's own diff applier: `d` deletes, `u` replaces in place (or appends), `i` (re)appends at the end,
 * `s<field>` recurses into a sub-document or an array (`a: true`, `l` new length, `u<n>`/`s<n>` per index),
 * `b` patches a binary at an offset (time-series bucket columns, MongoDB 8.0: binary-diff.ts).
 * Re-applying a diff is harmless: where the document no longer has the shape the diff expects, the value
 * becomes null, exactly as the server does, because a later entry rewrites it. Never mutates its input.
 */
import type { Document } from 'mongodb';
import { fieldNames, setField } from '../../lib/bson.js';
import { patchBinary, readBinaryPatch, type BinaryPatch } from './binary-diff.js';
import { isDocument, toNumber } from './values.js';

/** Raised with a reason; the caller turns it into an UnknownOplogEntry quoting the entry. */
export type DiffFail = (why: string) => never;

interface DocumentDiff {
  deletes: Set<string>;
  updates: Map<string, unknown>;
  inserts: Map<string, unknown>;
  subDiffs: Map<string, Document>;
  binaries: Map<string, BinaryPatch>;
}

type ArrayChange = { kind: 'u'; value: unknown } | { kind: 's'; diff: Document };

export function applyDiff(pre: Document, diff: Document, fail: DiffFail): Document {
  const d = readDocumentDiff(diff, fail);
  const out: Document = {};
  const updatedInPlace = new Set<string>();
  for (const name of fieldNames(pre)) {
    const value = pre[name] as unknown;
    if (d.deletes.has(name) || d.inserts.has(name)) continue; // inserted fields move to the end
    if (d.updates.has(name)) {
      put(out, name, d.updates.get(name));
      updatedInPlace.add(name);
      continue;
    }
    const patch = d.binaries.get(name);
    if (patch !== undefined) {
      put(out, name, patchBinary(value, patch));
      continue;
    }
    const sub = d.subDiffs.get(name);
    put(out, name, sub === undefined ? value : applySubDiff(value, sub, fail));
  }
  for (const [name, value] of d.updates) if (!updatedInPlace.has(name)) put(out, name, value);
  for (const [name, value] of d.inserts) put(out, name, value);
  return out;
}

/** Checks a diff's structure, sub-diffs included, without a document: a malformed diff fails before anything is written. */
export function checkDiff(diff: Document, fail: DiffFail): void {
  if (isArrayDiff(diff)) {
    for (const change of readArrayDiff(diff, fail).changes.values())
      if (change.kind === 's') checkDiff(change.diff, fail);
    return;
  }
  for (const sub of readDocumentDiff(diff, fail).subDiffs.values()) checkDiff(sub, fail);
}

function readDocumentDiff(diff: Document, fail: DiffFail): DocumentDiff {
  const d: DocumentDiff = {
    deletes: new Set(),
    updates: new Map(),
    inserts: new Map(),
    subDiffs: new Map(),
    binaries: new Map(),
  };
  const seen = new Set<string>();
  const claim = <V>(into: Map<string, V> | Set<string>, name: string, value: V) => {
    if (seen.has(name)) fail(`duplicate field '${name}' in update diff`);
    seen.add(name);
    if (into instanceof Set) into.add(name);
    else into.set(name, value);
  };
  for (const [section, value] of Object.entries(diff)) {
    if (!isDocument(value)) fail(`diff section '${section}' is not a document`);
    // New fields land in the order the entry lists them: read names in their true order.
    if (section === 'd') for (const name of fieldNames(value)) claim(d.deletes, name, undefined);
    else if (section === 'u') for (const name of fieldNames(value)) claim(d.updates, name, value[name]);
    else if (section === 'i') for (const name of fieldNames(value)) claim(d.inserts, name, value[name]);
    else if (section === 'b')
      for (const name of fieldNames(value)) claim(d.binaries, name, readBinaryPatch(name, value[name], fail));
    else if (section.startsWith('s')) claim(d.subDiffs, section.slice(1), value);
    else fail(`unknown diff section '${section}'`);
  }
  return d;
}

function isArrayDiff(diff: Document): boolean {
  return Object.keys(diff)[0] === 'a';
}

/** A sub-diff meets a value of another type only on re-application: null it, as the server does. */
function applySubDiff(value: unknown, sub: Document, fail: DiffFail): unknown {
  if (isArrayDiff(sub)) return Array.isArray(value) ? applyArrayDiff(value, sub, fail) : null;
  return isDocument(value) ? applyDiff(value, sub, fail) : null;
}

function applyArrayDiff(pre: unknown[], diff: Document, fail: DiffFail): unknown[] {
  const { newLength, changes } = readArrayDiff(diff, fail);
  const out: unknown[] = [];
  const kept = Math.min(pre.length, newLength ?? pre.length);
  for (let i = 0; i < kept; i += 1) {
    const change = changes.get(i);
    out.push(change === undefined ? pre[i] : applyArrayChange(pre[i], true, change, fail));
  }
  const lastChanged = Math.max(-1, ...changes.keys());
  const end = Math.max(newLength ?? 0, lastChanged + 1);
  // Past the pre-image: pad with null, as the server does; a sub-diff there finds nothing to patch.
  for (let i = kept; i < end; i += 1) {
    const change = changes.get(i);
    out.push(change === undefined ? null : applyArrayChange(undefined, false, change, fail));
  }
  return out;
}

function readArrayDiff(
  diff: Document,
  fail: DiffFail,
): { newLength: number | undefined; changes: Map<number, ArrayChange> } {
  if (diff.a !== true) fail("array diff without 'a: true'");
  let newLength: number | undefined;
  const changes = new Map<number, ArrayChange>();
  for (const [field, value] of Object.entries(diff)) {
    if (field === 'a') continue;
    if (field === 'l') {
      newLength = toNumber(value);
      if (!Number.isInteger(newLength) || newLength < 0) fail(`array diff length 'l' is not a valid size`);
      continue;
    }
    const index = /^[us](0|[1-9][0-9]*)$/.test(field) ? Number(field.slice(1)) : Number.NaN;
    if (Number.isNaN(index)) fail(`unknown array diff field '${field}'`);
    if (field[0] === 's' && !isDocument(value)) fail(`array sub-diff '${field}' is not a document`);
    changes.set(index, field[0] === 'u' ? { kind: 'u', value } : { kind: 's', diff: value as Document });
  }
  if (newLength !== undefined && [...changes.keys()].some((i) => i >= newLength!))
    fail('array diff changes an index past its new length');
  return { newLength, changes };
}

function applyArrayChange(pre: unknown, present: boolean, change: ArrayChange, fail: DiffFail): unknown {
  if (change.kind === 'u') return change.value;
  return present ? applySubDiff(pre, change.diff, fail) : null;
}

/** Sets a field without ever touching the prototype (a BSON field may be named "__proto__"), keeping field order. */
export const put: (doc: Document, name: string, value: unknown) => void = setField;
