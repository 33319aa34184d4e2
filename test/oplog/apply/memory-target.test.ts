import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BSON, type Document } from 'mongodb';
import { Applier } from '../../../src/oplog/apply/applier.js';
import { MemoryTarget } from '../../../src/oplog/apply/memory-target.js';

const ns = { db: 'shop', coll: 'orders' };
const ui = new BSON.Binary(Buffer.from('5a3c1f0e8b2d4e6f9a1b2c3d4e5f6a7b', 'hex'), 4);

/** A collMod of index ref_1, as MongoDB 6.0+ logs it. */
function collMod(index: Document, i: number): Document {
  return {
    op: 'c',
    ns: 'shop.$cmd',
    ui,
    o: { collMod: 'orders', index: { name: 'ref_1', ...index } },
    o2: { collectionOptions_old: { uuid: ui }, indexOptions_old: {} },
    ts: new BSON.Timestamp({ t: 1_717_243_250, i }),
    t: 1n,
    v: 2n,
    wall: new Date('2024-06-01T12:00:50Z'),
  };
}

function seeded(docs: Document[]): { target: MemoryTarget; applier: Applier } {
  const target = new MemoryTarget();
  target.seed(ns, docs, [{ key: { ref: 1 }, name: 'ref_1' }]);
  return {
    target,
    applier: new Applier(target, { mapNamespace: (s) => ({ db: 'shop', coll: s.split('.')[1]! }) }),
  };
}

describe('MemoryTarget refuses index changes MongoDB refuses', () => {
  it('refuses collMod unique: true before prepareUnique, and reports it', async () => {
    const { target, applier } = seeded([{ _id: 1, ref: 'a' }]);
    const result = await applier.apply([collMod({ unique: true }, 1)]);
    assert.equal(result.indexFailures.length, 1);
    assert.match(
      result.indexFailures[0]!.error,
      /index 'ref_1' cannot become unique before collMod sets prepareUnique/,
    );
    assert.equal(target.collections.get('shop.orders')!.indexes.get('ref_1')!.unique, undefined);
  });

  it('refuses the conversion to unique while two documents share a key (a missing field counts as null)', async () => {
    const { target, applier } = seeded([{ _id: 1 }, { _id: 2, ref: null }]);
    const result = await applier.apply([collMod({ prepareUnique: true }, 1), collMod({ unique: true }, 2)]);
    assert.equal(result.indexFailures.length, 1);
    assert.match(result.indexFailures[0]!.error, /documents share the key/);
    const spec = target.collections.get('shop.orders')!.indexes.get('ref_1')!;
    assert.deepEqual([spec.prepareUnique, spec.unique], [true, undefined]);
  });

  it('converts back with unique: false (7.1+)', async () => {
    const { target, applier } = seeded([{ _id: 1, ref: 'a' }]);
    await applier.apply([collMod({ prepareUnique: true }, 1), collMod({ unique: true }, 2)]);
    assert.equal(target.collections.get('shop.orders')!.indexes.get('ref_1')!.unique, true);
    await applier.apply([collMod({ unique: false }, 3)]);
    assert.equal(target.collections.get('shop.orders')!.indexes.get('ref_1')!.unique, undefined);
  });
});
