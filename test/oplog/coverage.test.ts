import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { checkCoverage } from '../../src/oplog/coverage.js';

const ts = (t: number, i = 1) => new Timestamp({ t, i });
const slice = (id: string, prev: number, first: number, last: number) => ({
  _id: id,
  prevTs: ts(prev),
  firstTs: ts(first),
  lastTs: ts(last),
});

describe('oplog coverage', () => {
  it('accepts a chain where each slice starts right after the previous one', () => {
    const r = checkCoverage(ts(10), [slice('b', 15, 16, 20), slice('a', 10, 11, 15), slice('c', 20, 25, 30)]);
    assert.equal(r.ok, true);
    assert.equal(r.through, '30.1');
    assert.equal(r.slices, 3);
  });

  it('reports a hole when a slice did not resume at the previous last entry', () => {
    const r = checkCoverage(ts(10), [slice('a', 10, 11, 15), slice('b', 17, 18, 20)]);
    assert.equal(r.ok, false);
    assert.deepEqual(r.holes, [{ after: '15.1', before: '18.1', slice: 'b' }]);
  });

  it('reports a hole at the start when the first slice does not follow T0', () => {
    const r = checkCoverage(ts(10), [slice('a', 12, 13, 15)]);
    assert.equal(r.holes.length, 1);
  });

  it('reports an overlap when an entry would be kept twice', () => {
    const r = checkCoverage(ts(10), [slice('a', 10, 11, 15), slice('b', 14, 15, 20)]);
    assert.equal(r.ok, false);
    assert.deepEqual(r.overlaps, [{ slice: 'b', previous: 'a' }]);
  });

  it('accepts no slices at all (nothing written since T0)', () => {
    assert.equal(checkCoverage(ts(10), []).ok, true);
  });
});
