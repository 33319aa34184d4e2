import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BSON, Timestamp, type Document } from 'mongodb';
import { UnknownOplogEntry } from '../../../src/errors/domain-errors.js';
import { decodeRaw, encode } from '../../../src/lib/bson.js';
import { applyToDocument } from '../../../src/oplog/apply/update.js';
import type { UpdateEntry } from '../../../src/oplog/entry.js';

const ts = new Timestamp({ t: 1_717_243_200, i: 1 });
const update = (o: Document): UpdateEntry =>
  decodeRaw(encode({ op: 'u', ns: 'shop.orders', o, o2: { _id: 1 }, ts })) as UpdateEntry;
const ejson = (d: Document) => BSON.EJSON.stringify(d, { relaxed: false });

function deepFreeze<T>(value: T): T {
  if (
    value !== null &&
    typeof value === 'object' &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof BSON.Binary)
  ) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('applyToDocument', () => {
  const pre = () =>
    decodeRaw(
      encode({
        _id: 1,
        n: new BSON.Int32(1),
        d: new BSON.Double(2),
        arr: [1, { x: 1 }],
        sub: { a: 1, b: 2 },
      }),
    );

  it('never mutates the document it is given', () => {
    const doc = deepFreeze(pre());
    const before = ejson(doc);
    applyToDocument(
      doc,
      update({
        $v: 2,
        diff: { u: { n: 2 }, sarr: { a: true, l: 1, s0: { u: { y: 1 } } }, ssub: { d: { a: false } } },
      }),
    );
    applyToDocument(doc, update({ $v: 1, $set: { 'sub.c': 3, 'arr.1.x': 9 }, $unset: { d: true } }));
    applyToDocument(doc, update({ _id: 1, other: true }));
    assert.equal(ejson(doc), before);
  });

  it('keeps the BSON types of untouched and diffed values', () => {
    const out = applyToDocument(
      pre(),
      update({ $v: 2, diff: { u: { d: new BSON.Double(3) }, i: { l: BSON.Long.fromNumber(7) } } }),
    );
    assert.equal(
      ejson(out),
      '{"_id":{"$numberInt":"1"},"n":{"$numberInt":"1"},"d":{"$numberDouble":"3.0"},"arr":[{"$numberInt":"1"},{"x":{"$numberInt":"1"}}],"sub":{"a":{"$numberInt":"1"},"b":{"$numberInt":"2"}},"l":{"$numberLong":"7"}}',
    );
  });

  it('treats a field named __proto__ as a field, never as the prototype', () => {
    const out = applyToDocument(
      { _id: 1 },
      update({ $v: 2, diff: { i: JSON.parse('{"__proto__": {"polluted": true}}') as Document } }),
    );
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ['_id', '__proto__']);
    assert.equal(({} as Document).polluted, undefined);
  });

  it("leaves a $v:1 path that crosses a scalar as it is, and applies the entry's other paths", () => {
    const out = applyToDocument(pre(), update({ $v: 1, $set: { 'n.deep': 1, 'sub.c': 3 } }));
    assert.equal(
      ejson(out),
      ejson({ ...pre(), sub: { a: new BSON.Int32(1), b: new BSON.Int32(2), c: new BSON.Int32(3) } }),
    );
  });

  describe("binary diff section 'b' (time-series bucket columns, MongoDB 8.0)", () => {
    const column = (bytes: number[]) => new BSON.Binary(Buffer.from(bytes), 7);
    const bucket = () => ({
      _id: 1,
      control: { count: 2 },
      data: { temp: column([1, 0, 0xaa, 0xbb, 0]), z: 1 },
    });
    const patch = (o: number, d: number[]) =>
      update({ $v: 2, diff: { sdata: { b: { temp: { o, d: new BSON.Binary(Buffer.from(d), 0) } } } } });

    it('keeps the column up to the offset, writes the data after it, keeps subtype 7 and the field in place', () => {
      const out = applyToDocument(bucket(), patch(4, [0x80, 0xcc, 0]));
      const temp = (out.data as Document).temp as BSON.Binary;
      assert.equal(temp.sub_type, 7);
      assert.deepEqual([...temp.read(0, temp.length())], [1, 0, 0xaa, 0xbb, 0x80, 0xcc, 0]);
      assert.deepEqual(Object.keys(out.data as Document), ['temp', 'z']);
    });

    it('rewrites everything after the offset, even when the data is shorter than what it replaces', () => {
      const out = applyToDocument(bucket(), patch(2, [9]));
      const temp = (out.data as Document).temp as BSON.Binary;
      assert.deepEqual([...temp.read(0, temp.length())], [1, 0, 9]);
    });

    it('nulls a column that is no longer a binary long enough for the patch (a replay; a later entry rewrites it)', () => {
      assert.equal((applyToDocument(bucket(), patch(6, [0])).data as Document).temp as unknown, null);
      const replaced = { ...bucket(), data: { temp: 'not a column' } };
      assert.equal((applyToDocument(replaced, patch(0, [0])).data as Document).temp as unknown, null);
    });

    it('refuses a malformed patch, naming the column and quoting the entry (its namespace included)', () => {
      const entry = update({
        $v: 2,
        diff: { sdata: { b: { temp: { o: -1, d: new BSON.Binary(Buffer.from([1])) } } } },
      });
      assert.throws(
        () => applyToDocument(bucket(), entry),
        (e: unknown) =>
          e instanceof UnknownOplogEntry &&
          /binary diff of 'temp' has no valid offset/.test(e.message) &&
          e.message.includes('"ns":"shop.orders"'),
      );
    });
  });
});
