import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BSON, Timestamp } from 'mongodb';
import {
  decodeOrdered,
  decodeRaw,
  encodeOrdered,
  fieldNames,
  setField,
  tsFromString,
  tsToKey,
  tsToString,
} from '../../src/lib/bson.js';

describe('bson timestamps', () => {
  it('round-trips "seconds.increment"', () => {
    const ts = new Timestamp({ t: 1795277617, i: 42 });
    assert.equal(tsToString(ts), '1795277617.42');
    assert.ok(tsFromString('1795277617.42').equals(ts));
  });
  it('refuses a malformed timestamp with a clear error', () => {
    assert.throws(() => tsFromString('12:30'), /invalid timestamp '12:30'/);
  });
  it('makes keys that sort like the timestamps', () => {
    const keys = [
      new Timestamp({ t: 10, i: 2 }),
      new Timestamp({ t: 9, i: 100 }),
      new Timestamp({ t: 10, i: 11 }),
    ].map(tsToKey);
    assert.deepEqual([...keys].sort(), [keys[1], keys[0], keys[2]]);
  });
});

describe('bson field order', () => {
  /** {_id: 1, name: "x", "2023": 5, n: {b: 1, "7": [{z: 1, "0": 2}]}, r: /a/i, bin: Binary} in this order. */
  const bytes = BSON.serialize(
    new Map<string, unknown>([
      ['_id', 1],
      ['name', 'x'],
      ['2023', 5],
      ['n', new Map<string, unknown>([['b', 1], ['7', [new Map<string, unknown>([['z', 1], ['0', 2]])]]])],
      ['r', new BSON.BSONRegExp('a', 'i')],
      ['bin', new BSON.Binary(Buffer.from([1, 2, 3]), 7)],
    ]),
  );

  it('decodeRaw reorders integer-like names (why decodeOrdered exists)', () => {
    assert.notDeepEqual(Buffer.from(BSON.serialize(decodeRaw(bytes))), Buffer.from(bytes));
  });

  it('decodeOrdered and encodeOrdered round-trip the bytes, nested documents in arrays included', () => {
    const doc = decodeOrdered(bytes);
    assert.deepEqual(fieldNames(doc), ['_id', 'name', '2023', 'n', 'r', 'bin']);
    assert.deepEqual(Buffer.from(encodeOrdered(doc)), Buffer.from(bytes));
    assert.ok(doc.bin instanceof BSON.Binary && doc.r instanceof BSON.BSONRegExp, 'values stay raw BSON');
  });

  it('setField appends a new integer-like name last and keeps an updated one in place', () => {
    const doc = { _id: 1, a: 1 };
    setField(doc, '2024', 2);
    setField(doc, 'a', 3);
    setField(doc, 'z', 4);
    assert.deepEqual(fieldNames(doc), ['_id', 'a', '2024', 'z']);
    const back = decodeOrdered(encodeOrdered(doc));
    assert.deepEqual(fieldNames(back), ['_id', 'a', '2024', 'z']);
    assert.equal(Number(back.a), 3);
  });
});
