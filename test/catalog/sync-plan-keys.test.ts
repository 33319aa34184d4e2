/**
 * A sync plan whose indexes and options have dotted or $-prefixed keys (an index on a nested field, a
 * partial filter on one, a $jsonSchema validator) is recorded and read back intact, on the real head
 * service. FerretDB refuses a stored key with a '.', so such a plan was never recorded and the initial
 * sync of any source with a nested-field index retried 'starting' for ever (found by the soak).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import type { CollectionPlan } from '../../src/catalog/syncs.js';
import { newJobId, useTestCatalog } from '../snapshot/fixtures.js';

describe('sync plan with dotted index keys', () => {
  const suite = useTestCatalog();

  it('records and reads back nested-field indexes, partial filters and validators in key order', async () => {
    const jobId = newJobId();
    const orders: CollectionPlan = {
      ns: 'app.orders',
      options: { validator: { $jsonSchema: { bsonType: 'object', required: ['profile'] } } },
      indexes: [
        { v: 2, key: { _id: 1 }, name: '_id_' },
        { v: 2, key: { 'profile.tier': 1, name: -1 }, name: 'profile.tier_1_name_-1' },
        { v: 2, key: { 'items.sku': 1 }, name: 'sku', partialFilterExpression: { 'stats.n': { $gt: 0 } } },
      ],
      estimatedCount: 10,
      ranges: [{}],
    };
    const plan = { _id: `${jobId}/1`, jobId, syncNumber: 1, source: 'src', t0: new Timestamp({ t: 100, i: 1 }), collections: [orders], createdAt: new Date() };
    await suite.cat().catalog.syncs.recordPlan(plan);

    for (const got of [await suite.cat().catalog.syncs.find(jobId, 1), await suite.cat().catalog.syncs.get(jobId, 1)]) {
      const c = got?.collections[0];
      assert.deepEqual(c?.indexes, orders.indexes);
      assert.deepEqual(c?.options, orders.options);
      // Key order is the index's meaning ({a: 1, b: -1} is not {b: -1, a: 1}).
      assert.deepEqual(Object.keys((c?.indexes[1] as { key: object }).key), ['profile.tier', 'name']);
    }
  });
});
