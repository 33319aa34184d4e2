/**
 * MongoTarget on the head (FerretDB): a $v:2 diff that only changes a number's type must store the new
 * type, read back with promoteValues: false so that the BSON type is visible.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BSON, type Document, type MongoClient } from 'mongodb';
import { OplogApplier } from '../../../src/oplog/apply/index.js';
import { changesOnlyNumericTypes } from '../../../src/oplog/apply/retype.js';
import { mongoClient, uniqueName, withService } from '../../harness/services.js';

const ui = new BSON.Binary(Buffer.from('9e8d7c6b5a494382871605f4e3d2c1b0', 'hex'), 4);

function diffEntry(_id: number, diff: Document, i: number): Document {
  return {
    op: 'u',
    ns: 'test.numbers',
    ui,
    o: { $v: 2, diff },
    o2: { _id },
    ts: new BSON.Timestamp({ t: 1_717_243_280, i }),
    t: 1n,
    v: 2n,
    wall: new Date(1_717_243_280_000 + i),
  };
}

describe('numeric types in diffs', () => {
  it('changesOnlyNumericTypes tells a type-only change from a real one', () => {
    const pre = { _id: 1, x: new BSON.Double(3) };
    assert.equal(changesOnlyNumericTypes(pre, { _id: 1, x: new BSON.Int32(3) }), true);
    assert.equal(changesOnlyNumericTypes(pre, { _id: 1, x: new BSON.Double(3) }), false);
    assert.equal(changesOnlyNumericTypes(pre, { _id: 1, x: new BSON.Int32(4) }), false);
    assert.equal(changesOnlyNumericTypes(undefined, { _id: 1, x: new BSON.Int32(3) }), false);
  });

  describe('on the head (FerretDB)', () => {
    let client: MongoClient;
    const db = uniqueName('numtypes');
    before(async () => {
      client = mongoClient('head');
      await withService('head', () => client.db('admin').command({ ping: 1 }));
    });
    after(async () => {
      await client.db(db).dropDatabase();
      await client.close();
    });

    it('stores the int32 a diff sets over a double 3.0, and the long it sets over an int32', async () => {
      const coll = client.db(db).collection('numbers');
      await coll.insertMany([
        { _id: 1, c: { subField1: 'x', subField2: new BSON.Double(3) } },
        { _id: 2, n: new BSON.Int32(7) },
      ] as Document[]);
      const applier = new OplogApplier(client, { mapNamespace: () => ({ db, coll: 'numbers' }) });
      await applier.apply([
        diffEntry(1, { sc: { u: { subField2: new BSON.Int32(3) } } }, 1),
        diffEntry(2, { u: { n: BSON.Long.fromNumber(7) } }, 2),
      ]);
      const raw = { promoteValues: false, promoteLongs: false } as const;
      const one = await coll.findOne({ _id: 1 } as Document, raw);
      const two = await coll.findOne({ _id: 2 } as Document, raw);
      assert.ok(
        (one?.c as Document).subField2 instanceof BSON.Int32,
        `int32 stored, got ${BSON.EJSON.stringify(one ?? {})}`,
      );
      assert.ok(two?.n instanceof BSON.Long, `long stored, got ${BSON.EJSON.stringify(two ?? {})}`);
    });
  });
});
