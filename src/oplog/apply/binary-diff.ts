/**
 * The binary section `b` of a `$v: 2` diff, which MongoDB 8.0 logs when it appends measurements to a
 * compressed time-series bucket: `b: { <column>: { o: <offset>, d: <BinData> } }` says "keep the column's
 * first `o` bytes and write `d` after them" (BSONColumnBuilder's intermediate binary diff: the bytes before
 * the offset are unchanged, everything from it on is rewritten). The column keeps its own binary subtype
 * (7, column). On a replay the stored value may no longer be the binary the patch expects (a later entry
 * replaced it, or it is shorter than the offset): it becomes null, as the server nulls a sub-diff that meets
 * another type, and a later entry rewrites it.
 */
import { BSON, type Document } from 'mongodb';
import { isDocument, toNumber } from './values.js';
import type { DiffFail } from './update-v2.js';

export interface BinaryPatch {
  offset: number;
  data: Uint8Array;
}

/** Reads one `b` entry. @throws through `fail` when it is not `{o: <offset>, d: <BinData>}` */
export function readBinaryPatch(name: string, value: unknown, fail: DiffFail): BinaryPatch {
  const offset = isDocument(value) ? toNumber(value.o) : Number.NaN;
  if (!Number.isInteger(offset) || offset < 0) fail(`binary diff of '${name}' has no valid offset 'o'`);
  const data = (value as Document).d;
  if (!(data instanceof BSON.Binary)) fail(`binary diff of '${name}' has no binary data 'd'`);
  return { offset, data: data.read(0, data.length()) };
}

/** The binary after the patch; null when the stored value is not a binary the patch can apply to. */
export function patchBinary(value: unknown, patch: BinaryPatch): BSON.Binary | null {
  if (!(value instanceof BSON.Binary) || value.length() < patch.offset) return null;
  const bytes = new Uint8Array(patch.offset + patch.data.length);
  bytes.set(value.read(0, patch.offset), 0);
  bytes.set(patch.data, patch.offset);
  return new BSON.Binary(bytes, value.sub_type);
}
