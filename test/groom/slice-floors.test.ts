/**
 * The per-chain slice floors, pure: the cases the catalog tests (groom-chains.test.ts) do not reach.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { deletes, lowestFloor, sliceFloors } from '../../src/groom/slice-floors.js';

const ts = (t: number) => new Timestamp({ t, i: 1 });

describe('slice floors per chain', () => {
  it('keeps whole a chain followed without a sync record, and the job-wide slices with it', () => {
    const f = sliceFloors({ syncs: [], snapshots: [], leases: [], chains: [1] });
    assert.equal(f.chains.get(1), 'keep all');
    assert.equal(f.jobWide, 'keep all');
    assert.equal(lowestFloor(f), undefined);
  });

  it('holds every chain at a lease whose snapshot is unknown, replaced ones included', () => {
    const f = sliceFloors({
      syncs: [{ syncNumber: 1, t0: ts(100), consistentAt: ts(110) }, { syncNumber: 2, t0: ts(300), consistentAt: ts(310) }],
      snapshots: [{ syncNumber: 2, ts: ts(400) }],
      windowBase: ts(400),
      leases: [{ fromTs: ts(150) }],
      chains: [1, 2],
    });
    assert.deepEqual(f.chains.get(1), { before: ts(150) });
    assert.deepEqual(f.chains.get(2), { before: ts(150) });
    assert.deepEqual(f.jobWide, { before: ts(150) });
  });

  it('deletes a replaced chain whole, and keeps the job-wide slices below the lowest floor', () => {
    const f = sliceFloors({
      syncs: [{ syncNumber: 1, t0: ts(100), consistentAt: ts(110) }, { syncNumber: 2, t0: ts(300), consistentAt: ts(310) }],
      snapshots: [{ syncNumber: 2, ts: ts(400) }, { syncNumber: 2, ts: ts(500) }],
      windowBase: ts(400),
      leases: [],
      chains: [1, 2],
    });
    assert.equal(f.chains.get(1), 'delete all');
    assert.deepEqual(f.chains.get(2), { before: ts(400) });
    assert.deepEqual(f.jobWide, { before: ts(400) });
    assert.equal(deletes(f.chains.get(1)!, ts(10 ** 9)), true);
    assert.equal(deletes(f.chains.get(2)!, ts(400)), false, 'a slice ending at the base snapshot is needed');
    assert.equal(deletes(f.chains.get(2)!, ts(399)), true);
  });
});
