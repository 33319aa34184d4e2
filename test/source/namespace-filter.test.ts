import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NamespaceFilter } from '../../src/source/namespace-filter.js';

describe('namespace filter', () => {
  it('excludes admin, local, config and system collections by default', () => {
    const f = new NamespaceFilter({});
    for (const ns of [
      'admin.users',
      'local.oplog.rs',
      'config.system.sessions',
      'app.system.views',
      'app.system.js',
    ]) {
      assert.equal(f.matches(ns), false, ns);
    }
    assert.equal(f.matches('app.users'), true);
    assert.equal(f.matches('app.users.archive'), true, 'collection names may contain dots');
  });

  it('keeps only included databases, collections and wildcards', () => {
    const f = new NamespaceFilter({ include: ['shop', 'crm.contacts', 'logs*.2026*'] });
    assert.equal(f.matches('shop.orders'), true);
    assert.equal(f.matches('crm.contacts'), true);
    assert.equal(f.matches('crm.notes'), false);
    assert.equal(f.matches('logs_eu.2026_11'), true);
    assert.equal(f.matches('logs_eu.2025_11'), false);
    assert.equal(f.matches('other.x'), false);
    assert.equal(f.mayMatchDb('crm'), true);
    assert.equal(f.mayMatchDb('other'), false);
  });

  it('lets excludes win over includes', () => {
    const f = new NamespaceFilter({ include: ['shop'], exclude: ['shop.cache*'] });
    assert.equal(f.matches('shop.orders'), true);
    assert.equal(f.matches('shop.cache_v2'), false);
  });

  it('treats regex characters in names literally', () => {
    const f = new NamespaceFilter({ include: ['a+b.c'] });
    assert.equal(f.matches('a+b.c'), true);
    assert.equal(f.matches('aab.c'), false);
  });
});
