/**
 * What a collMod index change does to an index spec, as MongoDB (6.0+) does it, for the in-memory target:
 * `hidden`, `expireAfterSeconds`, `prepareUnique`, and `unique` (true converts the index to unique, which
 * the server allows only once prepareUnique is set and no two documents share a key; false, since 7.1,
 * converts it back). The in-memory target is the specification the fixtures test: it refuses what the
 * server refuses, never less.
 */
import type { Document } from 'mongodb';
import type { IndexSpec } from './command-schemas.js';
import { TargetRefused, type IndexChange } from './target.js';
import { isDocument, valueKey } from './values.js';

/** Codes MongoDB answers for a refused conversion to unique. */
const INVALID_OPTIONS = 72;
const CANNOT_CONVERT_INDEX_TO_UNIQUE = 359;

/** The spec after the change. @throws TargetRefused where MongoDB refuses it */
export function changedIndex(spec: IndexSpec, change: IndexChange, docs: Iterable<Document>): IndexSpec {
  const next: IndexSpec = { ...spec };
  if (change.hidden === true) next.hidden = true;
  if (change.hidden === false) delete next.hidden;
  if (change.expireAfterSeconds !== undefined) next.expireAfterSeconds = change.expireAfterSeconds;
  if (change.prepareUnique !== undefined) next.prepareUnique = change.prepareUnique;
  if (change.unique === true && spec.unique !== true) {
    if (next.prepareUnique !== true)
      throw new TargetRefused(
        `index '${spec.name}' cannot become unique before collMod sets prepareUnique`,
        INVALID_OPTIONS,
      );
    const duplicate = firstDuplicate(spec.key, docs);
    if (duplicate !== undefined)
      throw new TargetRefused(
        `index '${spec.name}' cannot become unique: documents share the key ${duplicate}`,
        CANNOT_CONVERT_INDEX_TO_UNIQUE,
      );
    next.unique = true;
  }
  if (change.unique === false) delete next.unique;
  return next;
}

/** The first key two documents share, as text; undefined when every key is unique. */
function firstDuplicate(key: Document, docs: Iterable<Document>): string | undefined {
  const seen = new Set<string>();
  for (const doc of docs) {
    const k = valueKey(Object.keys(key).map((path) => valueAt(doc, path.split('.')) ?? null));
    if (seen.has(k)) return k;
    seen.add(k);
  }
  return undefined;
}

function valueAt(doc: unknown, path: string[]): unknown {
  let at: unknown = doc;
  for (const name of path) at = isDocument(at) ? at[name] : undefined;
  return at;
}
