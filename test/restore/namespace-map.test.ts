import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidConfig } from '../../src/errors/domain-errors.js';
import { NamespaceMap } from '../../src/restore/namespace-map.js';

const scope = ['shop', 'crm'];

describe('namespace map', () => {
  it('restores the whole job by default, never system collections, nor databases outside the job', () => {
    const m = NamespaceMap.parse({}, scope);
    assert.deepEqual(m.map('shop.orders'), { db: 'shop', coll: 'orders' });
    assert.deepEqual(m.map('shop.a.b'), { db: 'shop', coll: 'a.b' }, 'a collection name may hold dots');
    assert.equal(m.map('shop.system.views'), null);
    assert.equal(m.map('other.x'), null);
    assert.deepEqual(m.map('shop.$cmd'), { db: 'shop', coll: '$cmd' });
  });

  it('selects databases and collections; database commands reach only whole databases', () => {
    const m = NamespaceMap.parse({ include: ['shop', 'crm.people'] }, scope);
    assert.deepEqual(m.map('shop.new'), { db: 'shop', coll: 'new' }, 'a collection created later in a selected database');
    assert.deepEqual(m.map('crm.people'), { db: 'crm', coll: 'people' });
    assert.equal(m.map('crm.leads'), null);
    assert.equal(m.map('crm.$cmd'), null, 'a dropDatabase of crm must not drop the target database');
  });

  it('renames collections before databases', () => {
    const m = NamespaceMap.parse({ rename: ['shop=shop2', 'shop.orders=archive.old_orders'] }, scope);
    assert.deepEqual(m.map('shop.orders'), { db: 'archive', coll: 'old_orders' });
    assert.deepEqual(m.map('shop.items'), { db: 'shop2', coll: 'items' });
    assert.deepEqual(m.map('shop.$cmd'), { db: 'shop2', coll: '$cmd' });
    assert.deepEqual(m.map('crm.people'), { db: 'crm', coll: 'people' });
  });

  it('refuses two namespaces landing on one target, and malformed or foreign arguments', () => {
    const m = NamespaceMap.parse({ rename: ['shop.a=crm.b'] }, scope);
    assert.throws(() => m.targets(['shop.a', 'crm.b']), (e) => e instanceof InvalidConfig && e.message.includes("'crm.b'"));
    for (const rename of ['shop.a', 'shop=crm.b', 'a=b=c'])
      assert.throws(() => NamespaceMap.parse({ rename: [rename] }, scope), (e) => e instanceof InvalidConfig && e.message.includes(rename));
    assert.throws(() => NamespaceMap.parse({ include: ['billing'] }, scope), (e) => e instanceof InvalidConfig && e.message.includes('crm, shop'));
    assert.throws(() => NamespaceMap.parse({ include: ['bad/name'] }, scope), InvalidConfig);
  });
});
