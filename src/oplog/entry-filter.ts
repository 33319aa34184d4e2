/**
 * Which captured oplog entries a job keeps: the job's namespace filter (src/source/namespace-filter.ts),
 * the one that planned its initial sync, applied to each entry by what it changes. CRUD entries go by
 * their namespace; a command by the collection it names (a rename by either side, a dropDatabase by its
 * database); a single-entry applyOps keeps only its matching operations (rewritten in their field order);
 * the entries of a multi-entry transaction are kept whole, since the applier checks their chain and
 * counts, and the apply and restore mappings drop their other operations. No-ops and commands the
 * filter cannot place are kept: an entry is left out only when it is known to touch nothing the job keeps.
 */
import type { Document } from 'mongodb';
import { decodeOrdered, encodeOrdered } from '../lib/bson.js';
import type { NamespaceFilter } from '../source/namespace-filter.js';

/** What to store for one entry: the entry as read, a rewritten entry, or nothing. */
export type EntryChoice = 'keep' | 'drop' | Uint8Array;

/** Commands whose first field names the collection they change. */
const COLLECTION_COMMANDS = new Set([
  'create',
  'drop',
  'collMod',
  'createIndexes',
  'dropIndexes',
  'deleteIndex',
  'deleteIndexes',
  'startIndexBuild',
  'commitIndexBuild',
  'abortIndexBuild',
  'emptycapped',
  'convertToCapped',
]);

export function chooseEntry(filter: NamespaceFilter, entry: Document, raw: Uint8Array): EntryChoice {
  const verdict = touches(filter, entry);
  if (verdict !== 'partly') return verdict ? 'keep' : 'drop';
  return rewriteApplyOps(filter, raw);
}

/** true/false: the entry does / does not touch a kept namespace; 'partly': an applyOps to trim. */
function touches(filter: NamespaceFilter, entry: Document): boolean | 'partly' {
  const ns = String(entry.ns ?? '');
  if (entry.op === 'i' || entry.op === 'u' || entry.op === 'd') return filter.matches(ns);
  if (entry.op !== 'c') return true;
  const db = ns.slice(0, ns.indexOf('.'));
  const o = (entry.o ?? {}) as Document;
  const name = Object.keys(o)[0] ?? '';
  if (COLLECTION_COMMANDS.has(name) && typeof o[name] === 'string') return filter.matches(`${db}.${o[name]}`);
  if (name === 'renameCollection') return filter.matches(String(o.renameCollection)) || filter.matches(String(o.to));
  if (name === 'dropDatabase') return filter.mayMatchDb(db);
  if (name === 'applyOps') return applyOpsVerdict(filter, entry, o);
  return true;
}

function applyOpsVerdict(filter: NamespaceFilter, entry: Document, o: Document): boolean | 'partly' {
  if (inChain(entry, o)) return true;
  const ops = Array.isArray(o.applyOps) ? (o.applyOps as Document[]) : [];
  const kept = ops.filter((op) => touches(filter, op) !== false).length;
  return kept === ops.length ? true : kept === 0 ? false : 'partly';
}

/** A part of a transaction written as several entries (or prepared): its entries must stay whole. */
function inChain(entry: Document, o: Document): boolean {
  const prev = (entry.prevOpTime as Document | undefined)?.ts as { isZero?: () => boolean } | undefined;
  return o.partialTxn === true || o.prepare === true || o.count !== undefined || (prev?.isZero?.() === false);
}

function rewriteApplyOps(filter: NamespaceFilter, raw: Uint8Array): Uint8Array {
  const entry = decodeOrdered(raw);
  const o = entry.o as Document;
  o.applyOps = (o.applyOps as Document[]).filter((op) => touches(filter, op) !== false);
  return encodeOrdered(entry);
}
