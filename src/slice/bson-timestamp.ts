/**
 * Reads one top-level Timestamp field (an oplog entry's `ts`) straight from raw BSON, skipping the other
 * elements by their encoded sizes. Nothing is decoded or copied, so writing an oplog slice costs no
 * deserialization of the entries it carries.
 */
import { Timestamp } from 'mongodb';

const TIMESTAMP = 0x11;

/** Value sizes of the fixed-size BSON types (null, bool, int32, double, date, timestamp, int64, ObjectId...). */
const FIXED_SIZE = new Map([
  [0x06, 0], [0x0a, 0], [0x7f, 0], [0xff, 0], [0x08, 1], [0x10, 4],
  [0x01, 8], [0x09, 8], [0x11, 8], [0x12, 8], [0x07, 12], [0x13, 16],
]); // prettier-ignore

/** Size of an element's value at `at`, by BSON type; -1 for a type this reader does not know. */
function valueSize(doc: Buffer, type: number, at: number): number {
  const fixed = FIXED_SIZE.get(type);
  if (fixed !== undefined) return fixed;
  switch (type) {
    case 0x02: // string, code and symbol: int32 length, then that many bytes
    case 0x0d:
    case 0x0e:
      return 4 + doc.readInt32LE(at);
    case 0x03: // document, array and code with scope: int32 total length
    case 0x04:
    case 0x0f:
      return doc.readInt32LE(at);
    case 0x05: // binary: int32 length, subtype, bytes
      return 5 + doc.readInt32LE(at);
    case 0x0c: // DBPointer: string, then an ObjectId
      return 4 + doc.readInt32LE(at) + 12;
    case 0x0b: {
      // regex: pattern and options as two C strings
      const end = doc.indexOf(0, doc.indexOf(0, at) + 1);
      return end < 0 ? -1 : end + 1 - at;
    }
    default:
      return -1;
  }
}

/** The value of top-level Timestamp field `field`, or undefined when absent, of another type, or malformed. */
export function topLevelTimestamp(bytes: Uint8Array, field: string): Timestamp | undefined {
  const doc = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const name = Buffer.from(field, 'utf8');
  if (doc.length < 5) return undefined;
  const end = Math.min(doc.length, doc.readInt32LE(0)) - 1;
  try {
    for (let at = 4; at < end;) {
      const type = doc[at]!;
      const nameEnd = doc.indexOf(0, at + 1);
      if (nameEnd < 0) return undefined;
      const value = nameEnd + 1;
      const named =
        nameEnd - at - 1 === name.length && doc.compare(name, 0, name.length, at + 1, nameEnd) === 0;
      if (type === TIMESTAMP && named)
        return new Timestamp({ i: doc.readUInt32LE(value), t: doc.readUInt32LE(value + 4) });
      const size = valueSize(doc, type, value);
      if (size < 0) return undefined;
      at = value + size;
    }
  } catch (e) {
    if (e instanceof RangeError) return undefined; // a length that points past the end
    throw e;
  }
  return undefined;
}
