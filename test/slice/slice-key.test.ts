import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSliceKey, sliceKey, slicePrefix, type SliceKeyFields } from '../../src/slice/slice-key.js';
import { tsAt } from './bson-samples.js';

describe('slice keys', () => {
  const oplog: SliceKeyFields = {
    kind: 'oplog',
    jobId: 'prod-1',
    seq: 42,
    codec: 'zstd',
    firstTs: tsAt(1_795_277_617, 2),
    lastTs: tsAt(1_795_277_618, 0),
  };
  const coll: SliceKeyFields = {
    kind: 'collection',
    jobId: 'prod-1',
    seq: 3,
    codec: 'none',
    syncNumber: 2,
    ns: 'shop.a/b c.é',
    rangeIndex: 1,
  };

  it('names oplog slices by job, ts range and sequence', () => {
    assert.equal(
      sliceKey(oplog),
      'slices/prod-1/oplog/0001795277617-0000000002-0001795277618-0000000000-0000000042.zst',
    );
    assert.ok(sliceKey(oplog).startsWith(slicePrefix('prod-1', 'oplog')));
  });

  it('names collection slices by job, sync, namespace, range and sequence, escaping the namespace', () => {
    assert.equal(sliceKey(coll), 'slices/prod-1/sync-2/shop.a%2Fb%20c.%C3%A9/000001-0000000003.raw');
    assert.ok(sliceKey(coll).startsWith(slicePrefix('prod-1', { syncNumber: 2 })));
  });

  it('parses a key back to the fields it was made from', () => {
    for (const fields of [oplog, coll, { ...coll, codec: 'gzip' as const, ns: 'db.c' }]) {
      const back = parseSliceKey(sliceKey(fields));
      assert.deepEqual(back, fields);
    }
  });

  it('sorts oplog keys of a job in timestamp order', () => {
    const keys = [tsAt(9, 5), tsAt(10, 1), tsAt(1_000_000_000, 0), tsAt(10, 20)].map((t) =>
      sliceKey({ ...oplog, firstTs: t, lastTs: t }),
    );
    const parsed = [...keys].sort().map((k) => parseSliceKey(k));
    const seconds = parsed.map((p) => (p?.kind === 'oplog' ? `${p.firstTs.t}.${p.firstTs.i}` : ''));
    assert.deepEqual(seconds, ['9.5', '10.1', '10.20', '1000000000.0']);
  });

  it('ignores keys that are not slice keys', () => {
    for (const key of [
      'chunks/ab/abcdef',
      'slices/prod-1/oplog/garbage.zst',
      'slices/prod-1/sync-1/db.c/000001-0000000001.exe',
      'slices/prod-1/sync-1/%E0%A4%A/000001-0000000001.zst',
    ]) {
      assert.equal(parseSliceKey(key), undefined, key);
    }
  });
});
