/**
 * Builders of BSON documents for slice tests: one document holding every BSON type the server stores,
 * and oplog entries shaped as MongoDB writes them (`ts` after `o`, not first).
 */
import {
  Binary, BSON, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId,
  Timestamp, UUID,
} from 'mongodb'; // prettier-ignore

export function everyTypeDocument(n: number): BSON.Document {
  return {
    _id: ObjectId.createFromTime(1_700_000_000 + n),
    double: new Double(1.0),
    negativeZero: new Double(-0),
    nan: new Double(NaN),
    int32: new Int32(42),
    long: Long.fromString('9223372036854775807'),
    decimal: Decimal128.fromString('1234.5678901234567890123456789012'),
    date: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123)),
    timestamp: new Timestamp({ t: 1_700_000_000, i: n }),
    binary: new Binary(Buffer.from([0, 1, 2, 254, 255]), 0),
    uuid: new UUID('0f8fad5b-d9cb-469f-a165-70867728950e'),
    md5: new Binary(Buffer.alloc(16, 7), 5),
    regex: new BSONRegExp('^ab+c$', 'imsx'),
    min: new MinKey(),
    max: new MaxKey(),
    code: new Code('function () { return 1; }'),
    codeWithScope: new Code('x + 1', { x: new Int32(1) }),
    symbol: new BSONSymbol('sym'),
    ref: new DBRef('things', ObjectId.createFromTime(1_600_000_000)),
    nested: { a: [new Int32(1), 'two', { three: [new Double(3)] }], empty: {}, emptyArray: [] },
    nil: null,
    yes: true,
    no: false,
    text: `héllo wörld — 日本語 🎉 #${n}`,
  };
}

export function oplogEntry(ts: Timestamp, o: BSON.Document = { _id: new Int32(ts.i) }): Uint8Array {
  return BSON.serialize({
    op: 'i',
    ns: 'shop.orders',
    ui: new UUID('11111111-2222-4333-8444-555555555555'),
    o,
    ts,
    t: Long.fromNumber(1),
    v: Long.fromNumber(2),
    wall: new Date(ts.t * 1000),
  });
}

export const tsAt = (t: number, i: number) => new Timestamp({ t, i });
