/**
 * A snapshot document made ready for the driver's insert, in its exact field order. `decodeOrdered` +
 * `toWire` keep the order of names a JS object would move (integer-like names such as "2023" go first),
 * but cost three to five times a plain decode. Such names are rare, so one allocation-free pass over the
 * bytes decides: a document with no digit-led name in any (sub)document decodes with `decodeRaw`, whose
 * key order is then the byte order, and `toWire` would return it unchanged. Array element names ("0",
 * "1", ...) do not count: arrays keep index order.
 */
import type { Document } from 'mongodb';
import { decodeOrdered, decodeRaw, toWire } from '../lib/bson.js';

/** The document to hand to insertMany; serialises to `bytes`, byte for byte. */
export function insertable(bytes: Uint8Array): Document {
  return hasDigitName(bytes, 0, false) ? toWire(decodeOrdered(bytes)) : decodeRaw(bytes);
}

const ZERO = 0x30;
const NINE = 0x39;

/** Whether the (sub)document at `start` or any document inside it has a field name starting with a digit. */
export function hasDigitName(bytes: Uint8Array, start: number, isArray: boolean): boolean {
  const end = start + readInt32(bytes, start) - 1;
  let at = start + 4;
  while (at < end) {
    const type = bytes[at]!;
    const first = bytes[at + 1]!;
    if (!isArray && first >= ZERO && first <= NINE) return true;
    const valueAt = bytes.indexOf(0, at + 1) + 1;
    if ((type === 3 || type === 4) && hasDigitName(bytes, valueAt, type === 4)) return true;
    // Code with scope holds a scope document; its names are not the collection's, but decodeOrdered walks
    // only documents and arrays, so it is left to the plain decode as well.
    at = valueAt + valueSize(type, bytes, valueAt);
  }
  return false;
}

function readInt32(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

/** Bytes taken by a value of BSON type `type` at `at` (the BSON spec's element sizes). */
function valueSize(type: number, bytes: Uint8Array, at: number): number {
  switch (type) {
    case 1: case 9: case 17: case 18: return 8; // double, date, timestamp, int64
    case 2: case 13: case 14: return 4 + readInt32(bytes, at); // string, code, symbol
    case 3: case 4: case 15: return readInt32(bytes, at); // document, array, code with scope
    case 5: return 5 + readInt32(bytes, at); // binary: length, subtype, bytes
    case 6: case 10: case 0x7f: case 0xff: return 0; // undefined, null, maxKey, minKey
    case 7: return 12; // objectId
    case 8: return 1; // boolean
    case 11: return bytes.indexOf(0, bytes.indexOf(0, at) + 1) + 1 - at; // regex: two cstrings
    case 12: return 4 + readInt32(bytes, at) + 12; // dbPointer
    case 16: return 4; // int32
    case 19: return 16; // decimal128
    default: throw new Error(`unknown BSON type 0x${type.toString(16)} in a snapshot document`);
  }
}
