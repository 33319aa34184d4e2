/**
 * Replacements a target would skip. FerretDB 1.24 (the test head) compares a replacement with the stored
 * document by value and writes nothing when they are equal, so a change of numeric type alone (a double
 * 3.0 logged as int32 3, an int32 as a long) never reaches it, silently. MongoDB writes every replacement.
 * Such a write is recognised from the version the applier read, and the stand-in gets it as a delete and an
 * insert (in order), which store the new types; a head hashed against its source then matches.
 */
import { BSON, type Document } from 'mongodb';

/** Whether `doc` differs from `previous` only in the BSON types of equal numbers. */
export function changesOnlyNumericTypes(previous: Document | undefined, doc: Document): boolean {
  if (previous === undefined) return false;
  const relaxed = (d: Document) => BSON.EJSON.stringify(d, { relaxed: true });
  const canonical = (d: Document) => BSON.EJSON.stringify(d, { relaxed: false });
  return relaxed(previous) === relaxed(doc) && canonical(previous) !== canonical(doc);
}
