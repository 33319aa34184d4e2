import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncompleteTransaction } from '../../../src/errors/domain-errors.js';
import { decodeRaw, encode } from '../../../src/lib/bson.js';
import { Applier } from '../../../src/oplog/apply/applier.js';
import { MemoryTarget } from '../../../src/oplog/apply/memory-target.js';
import { ApplierState } from '../../../src/oplog/apply/result.js';
import { canonical, expectedSnapshot, loadFixtures, mapper, type FixtureCase } from './fixtures.js';

const split = loadFixtures()
  .find((f) => f.family === 'transactions')!
  .cases.find((c) => c.name.startsWith('a transaction split over partialTxn entries'))!;

function world(c: FixtureCase) {
  const target = new MemoryTarget();
  const map = mapper('t');
  for (const [ns, docs] of Object.entries(c.before)) target.seed(map(ns), docs);
  const snapshot = () =>
    Object.fromEntries(
      [...target.collections].map(([name, coll]) => [name.slice(2), canonical([...coll.docs.values()])]),
    );
  return { target, map, snapshot };
}

describe('transactions across apply calls and processes', () => {
  it('keeps an open transaction between calls and exposes it as pendingTransactions()', async () => {
    const { target, map } = world(split);
    const applier = new Applier(target, { mapNamespace: map });
    await applier.apply(split.entries.slice(0, 2));
    const pending = applier.pendingTransactions();
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.entries.length, 1);
    await applier.apply(split.entries.slice(2));
    assert.deepEqual(applier.pendingTransactions(), []);
  });

  it('continues a transaction in a new applier from the persisted state()', async () => {
    const { target, map, snapshot } = world(split);
    const first = new Applier(target, { mapNamespace: map });
    await first.apply(split.entries.slice(0, 2));
    // Persisted as BSON (in the catalog, say) and read back raw, as another process would.
    const state = ApplierState.parse(decodeRaw(encode({ state: first.state() })).state);
    const second = new Applier(target, { mapNamespace: map, state });
    await second.apply(split.entries.slice(2));
    assert.deepEqual(snapshot(), expectedSnapshot(split.after));
  });

  it('refuses to apply the end of a transaction whose beginning it never saw', async () => {
    const { target, map, snapshot } = world(split);
    const before = snapshot();
    const fresh = new Applier(target, { mapNamespace: map });
    await assert.rejects(
      fresh.apply(split.entries.slice(2)),
      (err: unknown) => err instanceof IncompleteTransaction,
    );
    assert.deepEqual(snapshot(), before);
  });
});
