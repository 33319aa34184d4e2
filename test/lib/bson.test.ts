import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { tsFromString, tsToKey, tsToString } from '../../src/lib/bson.js';

describe('bson timestamps', () => {
  it('round-trips "seconds.increment"', () => {
    const ts = new Timestamp({ t: 1795277617, i: 42 });
    assert.equal(tsToString(ts), '1795277617.42');
    assert.ok(tsFromString('1795277617.42').equals(ts));
  });
  it('refuses a malformed timestamp with a clear error', () => {
    assert.throws(() => tsFromString('12:30'), /invalid timestamp '12:30'/);
  });
  it('makes keys that sort like the timestamps', () => {
    const keys = [
      new Timestamp({ t: 10, i: 2 }),
      new Timestamp({ t: 9, i: 100 }),
      new Timestamp({ t: 10, i: 11 }),
    ].map(tsToKey);
    assert.deepEqual([...keys].sort(), [keys[1], keys[0], keys[2]]);
  });
});
