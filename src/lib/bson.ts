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

/*
 * Field order. A JS object lists integer-like names ("2023", "0") first, whatever order they were given
 * in, so `decodeRaw` turns `{_id, name, "2023"}` into `{"2023", _id, name}`. MongoDB keeps the order it
 * was given, and a head that reorders fields no longer hashes like its source. The functions below keep
 * the true order without changing `decodeRaw`: a decoded document whose JS order differs from its BSON
 * order carries that order under a hidden symbol; `setField` keeps it as documents are built; `toWire`
 * hands such documents to the serializer as Maps (which js-bson writes in their own order).
 */

/** The true field order of a document whose JS key order differs from it (non-enumerable). */
const FIELD_ORDER = Symbol.for('headwater.fieldOrder');

type Ordered = BSON.Document & { [FIELD_ORDER]?: string[] };

/** Like `decodeRaw`, and every (sub)document keeps its field order as the bytes give it. */
export function decodeOrdered(bytes: Uint8Array): BSON.Document {
  const doc = BSON.deserialize(bytes, rawReadOptions);
  keepOrder(doc, bytes, 0);
  return doc;
}

/** A document's field names in their true order. */
export function fieldNames(doc: BSON.Document): string[] {
  const keys = Object.keys(doc);
  const order = (doc as Ordered)[FIELD_ORDER];
  return order !== undefined && order.length === keys.length ? order : keys;
}

/** Sets a field (never through the prototype: a BSON field may be named "__proto__"); a new one goes last. */
export function setField(doc: BSON.Document, name: string, value: unknown): void {
  const isNew = !Object.hasOwn(doc, name);
  const before = isNew ? fieldNames(doc) : [];
  Object.defineProperty(doc, name, { value, enumerable: true, writable: true, configurable: true });
  if (!isNew) return;
  const order = [...before, name];
  if ((doc as Ordered)[FIELD_ORDER] !== undefined || !sameOrder(Object.keys(doc), order))
    tagOrder(doc, order);
}

/** The document as the serializer must see it to write fields in their true order (itself when JS order is right). */
export function toWire(doc: BSON.Document): BSON.Document {
  return wire(doc) as BSON.Document;
}

/** `BSON.serialize` that keeps the true field order (the inverse of `decodeOrdered`, byte for byte). */
export function encodeOrdered(doc: BSON.Document): Uint8Array {
  return BSON.serialize(toWire(doc));
}

function wire(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(wire);
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (!isPlainDocument(value)) return value;
  const order = (value as Ordered)[FIELD_ORDER];
  const keys = Object.keys(value);
  const tagged = order !== undefined && order.length === keys.length;
  const names = tagged ? order : keys;
  const values = names.map((n) => wire(value[n]));
  if (!tagged && values.every((v, i) => v === value[names[i]!])) return value;
  if (tagged) return new Map(names.map((n, i) => [n, values[i]]));
  const out: BSON.Document = {};
  names.forEach((n, i) => setField(out, n, values[i]));
  return out;
}

function isPlainDocument(value: unknown): value is BSON.Document {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function sameOrder(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function tagOrder(doc: BSON.Document, order: string[]): void {
  Object.defineProperty(doc, FIELD_ORDER, {
    value: order,
    enumerable: false,
    writable: true,
    configurable: true,
  });
}

/** Walks the document at `start` in `bytes` beside its decoded form, tagging every (sub)document JS reorders. */
function keepOrder(decoded: unknown, bytes: Uint8Array, start: number): void {
  const names: string[] = [];
  const isArray = Array.isArray(decoded);
  for (const { type, name, valueAt } of elements(bytes, start)) {
    names.push(name);
    const child = (decoded as Record<string, unknown>)[name];
    if ((type === 3 && isPlainDocument(child)) || (type === 4 && Array.isArray(child)))
      keepOrder(child, bytes, valueAt);
  }
  if (!isArray && !sameOrder(Object.keys(decoded as object), names))
    tagOrder(decoded as BSON.Document, names);
}

/** The elements of the BSON document at `start`: type, name, and where the value begins. */
function* elements(
  bytes: Uint8Array,
  start: number,
): Generator<{ type: number; name: string; valueAt: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = start + view.getInt32(start, true) - 1;
  let at = start + 4;
  while (at < end) {
    const type = bytes[at]!;
    const nameEnd = bytes.indexOf(0, at + 1);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + at + 1, nameEnd - at - 1).toString('utf8');
    const valueAt = nameEnd + 1;
    yield { type, name, valueAt };
    at = valueAt + valueSize(type, bytes, view, valueAt);
  }
}

/** Bytes taken by a value of BSON type `type` at `at`. */
function valueSize(type: number, bytes: Uint8Array, view: DataView, at: number): number {
  const int32 = () => view.getInt32(at, true);
  switch (type) {
    case 1:
    case 9:
    case 17:
    case 18:
      return 8; // double, date, timestamp, int64
    case 2:
    case 13:
    case 14:
      return 4 + int32(); // string, code, symbol
    case 3:
    case 4:
    case 15:
      return int32(); // document, array, code with scope
    case 5:
      return 5 + int32(); // binary: length, subtype, bytes
    case 6:
    case 10:
    case 0x7f:
    case 0xff:
      return 0; // undefined, null, maxKey, minKey
    case 7:
      return 12; // objectId
    case 8:
      return 1; // boolean
    case 11: {
      const p = bytes.indexOf(0, at);
      return bytes.indexOf(0, p + 1) + 1 - at;
    } // regex: two cstrings
    case 12:
      return 4 + int32() + 12; // dbPointer
    case 16:
      return 4; // int32
    case 19:
      return 16; // decimal128
    default:
      throw new Error(`unable to read bson: unknown element type ${type} at byte ${at}`);
  }
}
