/**
 * BSON helpers shared by every module that moves documents. Documents are read with `rawReadOptions`
 * so that no value changes type on the way through Headwater (a double 1.0 must not come back as an int32,
 * a regex must stay a BSON regex), and the raw bytes of a document are what gets hashed and stored.
 */
import { BSON, Timestamp } from 'mongodb';

/** Driver read options that keep every BSON type as it was (no promotion to JS numbers or RegExp). */
export const rawReadOptions = {
  promoteValues: false,
  promoteLongs: false,
  promoteBuffers: false,
  bsonRegExp: true,
} as const;

/** Deserialize raw BSON without promoting values (the inverse of `BSON.serialize`, byte for byte). */
export function decodeRaw(bytes: Uint8Array): BSON.Document {
  return BSON.deserialize(bytes, rawReadOptions);
}

export function encode(doc: BSON.Document): Uint8Array {
  return BSON.serialize(doc);
}

/** Orders BSON timestamps: negative when a < b. */
export function compareTs(a: Timestamp, b: Timestamp): number {
  return a.compare(b);
}

/** A timestamp as "t.i", readable in logs, ids and catalog keys; sorts like the timestamp when padded. */
export function tsToString(ts: Timestamp): string {
  return `${ts.high >>> 0}.${ts.low >>> 0}`;
}

export function tsFromString(s: string): Timestamp {
  const m = /^(\d+)\.(\d+)$/.exec(s);
  if (m === null) throw new Error(`invalid timestamp '${s}': expected '<seconds>.<increment>'`);
  return new Timestamp({ t: Number(m[1]), i: Number(m[2]) });
}

/** A fixed-width, lexicographically sortable form of a timestamp for object names ("0001795277617-0000000002"). */
export function tsToKey(ts: Timestamp): string {
  return `${String(ts.high >>> 0).padStart(13, '0')}-${String(ts.low >>> 0).padStart(10, '0')}`;
}
