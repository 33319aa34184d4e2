import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Long, Timestamp, type Document } from 'mongodb';
import { decodeOrdered, decodeRaw, encode, fieldNames } from '../../src/lib/bson.js';
import { chooseEntry } from '../../src/oplog/entry-filter.js';
import { NamespaceFilter } from '../../src/source/namespace-filter.js';

const filter = new NamespaceFilter({ include: ['shop*'], exclude: ['shop.secrets'] });
const ts = new Timestamp({ t: 100, i: 1 });
const choose = (e: Document) => chooseEntry(filter, decodeRaw(encode(e)), encode(e));
const crud = (op: string, ns: string) => ({ ts, op, ns, o: { _id: 1 }, ...(op === 'u' ? { o2: { _id: 1 } } : {}) });
const cmd = (db: string, o: Document, extra: Document = {}) => ({ ts, op: 'c', ns: `${db}.$cmd`, o, ...extra });

describe('chooseEntry: the namespace filter on oplog entries', () => {
  it('keeps CRUD of kept namespaces only, in any database the filter names, even one created later', () => {
    for (const op of ['i', 'u', 'd']) {
      assert.equal(choose(crud(op, 'shop.orders')), 'keep', op);
      assert.equal(choose(crud(op, 'shop_eu.orders')), 'keep', `${op} in a database that matches the wildcard`);
      assert.equal(choose(crud(op, 'shop.secrets')), 'drop', `${op} excluded collection`);
      assert.equal(choose(crud(op, 'crm.contacts')), 'drop', `${op} database not included`);
      assert.equal(choose(crud(op, 'shop.system.views')), 'drop', `${op} system collection`);
    }
  });

  it('places commands by the collection or database they change; no-ops and unknown commands stay', () => {
    assert.equal(choose(cmd('shop', { create: 'orders' })), 'keep');
    assert.equal(choose(cmd('shop', { create: 'secrets' })), 'drop');
    assert.equal(choose(cmd('crm', { drop: 'contacts' })), 'drop');
    assert.equal(choose(cmd('shop', { createIndexes: 'secrets', key: { a: 1 }, name: 'a_1' })), 'drop');
    assert.equal(choose(cmd('shop', { commitIndexBuild: 'orders', indexes: [] })), 'keep');
    assert.equal(choose(cmd('shop', { renameCollection: 'shop.orders', to: 'shop.secrets' })), 'keep', 'leaves the kept set');
    assert.equal(choose(cmd('shop', { renameCollection: 'crm.a', to: 'crm.b' })), 'drop');
    assert.equal(choose(cmd('shop_eu', { dropDatabase: 1 })), 'keep');
    assert.equal(choose(cmd('crm', { dropDatabase: 1 })), 'drop');
    assert.equal(choose({ ts, op: 'n', ns: '', o: { msg: 'periodic noop' } }), 'keep');
    assert.equal(choose(cmd('crm', { someFutureCommand: 'x' })), 'keep', 'never dropped unless known to be outside');
  });

  it('trims a single-entry applyOps to its kept operations, field order intact, and drops one that keeps none', () => {
    const ops = [crud('i', 'shop.orders'), crud('i', 'shop.secrets'), { op: 'i', ns: 'shop.orders', o: new Map<string, unknown>([['_id', 2], ['z', 1], ['7', 2]]) }];
    const txn = cmd('admin', { applyOps: ops }, { lsid: { id: 1 }, txnNumber: Long.fromNumber(3) });
    const out = choose(txn);
    assert.ok(out instanceof Uint8Array, 'rewritten');
    const back = decodeOrdered(out);
    const kept = (back.o as Document).applyOps as Document[];
    assert.deepEqual(kept.map((o) => o.ns), ['shop.orders', 'shop.orders']);
    assert.deepEqual(fieldNames(kept[1]!.o as Document), ['_id', 'z', '7'], 'an integer-like name stays where it was');
    assert.deepEqual(Object.keys(back), Object.keys(txn), 'the entry keeps its fields and their order');
    assert.equal(choose(cmd('admin', { applyOps: [crud('i', 'crm.x')] })), 'drop');
    assert.equal(choose(cmd('admin', { applyOps: [crud('i', 'shop.orders')] })), 'keep', 'nothing to trim');
  });

  it('keeps every entry of a multi-entry or prepared transaction whole (the applier checks their chain)', () => {
    const outside = [crud('i', 'crm.x')];
    assert.equal(choose(cmd('admin', { applyOps: outside, partialTxn: true })), 'keep');
    assert.equal(choose(cmd('admin', { applyOps: outside, prepare: true })), 'keep');
    assert.equal(choose(cmd('admin', { applyOps: outside, count: 5 }, { prevOpTime: { ts, t: 1 } })), 'keep');
    assert.equal(choose(cmd('admin', { commitTransaction: 1 })), 'keep');
  });
});
