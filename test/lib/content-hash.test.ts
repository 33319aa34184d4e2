import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BSON, Double, Int32 } from 'mongodb';
import { ContentHash } from '../../src/lib/content-hash.js';

const bytes = (d: BSON.Document) => BSON.serialize(d);
const hashOf = (docs: BSON.Document[]) => docs.reduce((h, d) => h.add(bytes(d)), new ContentHash()).digest();

describe('content hash', () => {
  const a = { _id: 1, x: new Int32(1) };
  const b = { _id: 2, y: 'two' };
  it('does not depend on document order', () => {
    assert.equal(hashOf([a, b]), hashOf([b, a]));
  });
  it('changes when a document is duplicated, missing or changed', () => {
    const base = hashOf([a, b]);
    assert.notEqual(hashOf([a, b, b]), base);
    assert.notEqual(hashOf([a]), base);
    assert.notEqual(hashOf([a, { _id: 2, y: 'TWO' }]), base);
  });
  it('tells an int32 from a double of the same value, and field order', () => {
    assert.notEqual(hashOf([{ _id: 1, x: new Int32(1) }]), hashOf([{ _id: 1, x: new Double(1) }]));
    assert.notEqual(hashOf([{ _id: 1, p: 1, q: 2 }]), hashOf([{ _id: 1, q: 2, p: 1 }]));
  });
  it('is 64 hex digits and zero for nothing', () => {
    assert.match(hashOf([a]), /^[0-9a-f]{64}$/);
    assert.equal(hashOf([]), '0'.repeat(64));
  });
});
