import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BSON, Int32 } from 'mongodb';
import { topLevelTimestamp } from '../../src/slice/bson-timestamp.js';
import { everyTypeDocument, oplogEntry, tsAt } from './bson-samples.js';

describe('reading a top-level timestamp from raw bson', () => {
  it('finds ts after fields of every BSON type', () => {
    const doc = BSON.serialize({ ...everyTypeDocument(3), ts: tsAt(1_700_000_123, 77) });
    const ts = topLevelTimestamp(doc, 'ts');
    assert.ok(ts?.equals(tsAt(1_700_000_123, 77)), String(ts));
  });

  it('reads the ts of an oplog entry shaped as MongoDB writes it', () => {
    assert.ok(topLevelTimestamp(oplogEntry(tsAt(5, 6)), 'ts')?.equals(tsAt(5, 6)));
  });

  it('ignores nested fields, other names and other types', () => {
    assert.equal(topLevelTimestamp(BSON.serialize({ o: { ts: tsAt(1, 1) } }), 'ts'), undefined);
    assert.equal(topLevelTimestamp(BSON.serialize({ tsx: tsAt(1, 1), t: tsAt(1, 2) }), 'ts'), undefined);
    assert.equal(topLevelTimestamp(BSON.serialize({ ts: new Int32(5) }), 'ts'), undefined);
    assert.ok(
      topLevelTimestamp(BSON.serialize({ tsx: tsAt(1, 1), ts: tsAt(2, 3) }), 'ts')?.equals(tsAt(2, 3)),
    );
  });

  it('returns undefined for truncated or malformed bytes instead of reading past them', () => {
    const doc = Buffer.from(oplogEntry(tsAt(5, 6)));
    assert.equal(topLevelTimestamp(doc.subarray(0, 40), 'ts'), undefined);
    assert.equal(topLevelTimestamp(Buffer.alloc(3), 'ts'), undefined);
    const badLength = Buffer.from(doc);
    badLength.writeInt32LE(0x7fffffff, 9 + 'op'.length + 1); // the op string's length prefix
    assert.equal(topLevelTimestamp(badLength, 'ts'), undefined);
  });
});
