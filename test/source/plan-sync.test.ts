import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MongoClient } from 'mongodb';
import { rangeFilter } from '../../src/source/copy-range.js';
import { defaultRangeDocs, planCollections } from '../../src/source/plan-sync.js';
import { mongoClient, uniqueName } from '../harness/services.js';

describe('planning an initial sync (the real source)', () => {
  let source: MongoClient;
  const db = uniqueName('hw_plan');

  before(async () => {
    source = mongoClient('source');
    const docs = Array.from({ length: 3_500 }, (_, i) => ({ n: i, pad: 'x'.repeat(i % 50) }));
    await source.db(db).collection('big').insertMany(docs);
    await source.db(db).collection('small').insertMany([{ n: 1 }, { n: 2 }]);
    await source.db(db).collection('small').createIndex({ n: 1 }, { unique: true });
  });
  after(async () => {
    await source.db(db).dropDatabase();
    await source.close();
  });

  it('splits a collection into contiguous _id ranges that hold every document exactly once', async () => {
    const plans = await planCollections(source, { include: [db], exclude: [], rangeDocs: 1_000 });
    assert.deepEqual(plans.map((p) => p.ns), [`${db}.big`, `${db}.small`]);
    const big = plans[0]!;
    assert.equal(big.estimatedCount, 3_500);
    assert.equal(big.ranges.length, 4);
    assert.equal(big.ranges[0]!.min, undefined, 'the first range is open below');
    assert.equal(big.ranges.at(-1)!.max, undefined, 'the last range is open above, for documents inserted later');
    for (let k = 1; k < big.ranges.length; k += 1) assert.deepEqual(big.ranges[k]!.min, big.ranges[k - 1]!.max);
    const counts = await Promise.all(big.ranges.map((r) => source.db(db).collection('big').countDocuments(rangeFilter(r))));
    assert.deepEqual(counts, [1_000, 1_000, 1_000, 500]);
    const small = plans[1]!;
    assert.deepEqual(small.ranges, [{}]);
    assert.deepEqual(small.indexes.map((i) => i.name).sort(), ['_id_', 'n_1']);
  });

  it('copies each collection as one range on FerretDB unless rangeDocs is given', async () => {
    const rangeDocs = await defaultRangeDocs(source);
    assert.equal(rangeDocs, Number.MAX_SAFE_INTEGER, 'the test source is FerretDB, where a range query scans everything');
    const plans = await planCollections(source, { include: [`${db}.big`], exclude: [], rangeDocs });
    assert.deepEqual(plans.map((p) => [p.ns, p.estimatedCount, p.ranges]), [[`${db}.big`, 3_500, [{}]]]);
  });
});
