import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Binary, BSON, BSONRegExp, Code, Double, Int32, Long, ObjectId, Timestamp } from 'mongodb';
import { hasDigitName, insertable } from '../../src/restore/insertable.js';

/** BSON bytes with fields in exactly the given order (a Map serialises in its own order). */
const bytesOf = (entries: Array<[string, unknown]>) => BSON.serialize(new Map(entries) as never);
const roundTrip = (bytes: Uint8Array) => Buffer.from(BSON.serialize(insertable(bytes)));

describe('insertable', () => {
  const plain = bytesOf([
    ['_id', new ObjectId()], ['n', new Int32(1)], ['big', Long.fromNumber(2)], ['d', new Double(3)], ['s', 'x'], ['t', new Timestamp({ t: 1, i: 2 })],
    ['re', new BSONRegExp('^a', 'i')], ['bin', new Binary(Buffer.from('ab'))], ['code', new Code('f()', { a: 1 })], ['none', null],
    ['arr', [1, 'two', { three: 3 }, [4]]], ['sub', { a: { b: [{ c: 1 }] } }],
  ]);

  it('takes the plain decode for a document without digit-led names (array indexes do not count)', () => {
    assert.equal(hasDigitName(plain, 0, false), false);
    assert.deepEqual(roundTrip(plain), Buffer.from(plain));
  });

  it('keeps the byte order of integer-like names at any depth, which a plain decode moves first', () => {
    const cases = [
      bytesOf([['_id', 1], ['name', 'a'], ['2023', 'x']]),
      bytesOf([['_id', 1], ['sub', new Map<string, unknown>([['b', 1], ['7', 2]])]]),
      bytesOf([['_id', 1], ['arr', [new Map<string, unknown>([['z', 1], ['0', 2]])]]]),
    ];
    for (const bytes of cases) {
      assert.equal(hasDigitName(bytes, 0, false), true);
      assert.deepEqual(roundTrip(bytes), Buffer.from(bytes));
      assert.notDeepEqual(Buffer.from(BSON.serialize(BSON.deserialize(bytes))), Buffer.from(bytes), 'a plain decode reorders it');
    }
  });
});
