import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { InvalidConfig } from '../../src/errors/domain-errors.js';
import { formatExact, isoSecond, parseRestoreTime } from '../../src/restore/restore-time.js';
import { chainEnd, rangeSeconds } from '../../src/restore/restore-window.js';

const ts = (t: number, i: number) => new Timestamp({ t, i });

describe('restore time', () => {
  it('an iso time includes every entry of its whole second', () => {
    const p = parseRestoreTime('2024-05-01T12:00:07Z');
    assert.equal(p.exact, false);
    assert.ok(p.ts.equals(ts(1714564807, 0xffffffff)));
    assert.ok(parseRestoreTime('2024-05-01T14:00:07.900+02:00').ts.equals(p.ts), 'zone and fraction: the same second');
  });

  it('<seconds>,<increment> names exactly one entry, and formatExact reads back', () => {
    const p = parseRestoreTime('1714564807,3');
    assert.equal(p.exact, true);
    assert.ok(p.ts.equals(ts(1714564807, 3)));
    assert.equal(formatExact(p.ts), '1714564807,3');
    assert.equal(isoSecond(1714564807), '2024-05-01T12:00:07Z');
  });

  for (const bad of ['yesterday', '2024-05-01T12:00:07', '1714564807.3', '1714564807,', '99999999999,1', '1,4294967296']) {
    it(`refuses '${bad}' naming the accepted forms`, () => {
      assert.throws(() => parseRestoreTime(bad), (e) => e instanceof InvalidConfig && e.message.includes(`'${bad}'`) && e.message.includes('<seconds>,<increment>'));
    });
  }
});

describe('window arithmetic', () => {
  const slice = (prev: Timestamp, last: Timestamp) => ({ _id: `s${prev.high}`, prevTs: prev, lastTs: last }) as never;

  it('a chain ends at its first hole', () => {
    const slices = [slice(ts(10, 1), ts(11, 4)), slice(ts(11, 4), ts(13, 2)), slice(ts(14, 1), ts(15, 1))];
    assert.ok(chainEnd(slices, ts(10, 1)).equals(ts(13, 2)));
    assert.ok(chainEnd(slices, ts(14, 1)).equals(ts(15, 1)), 'a snapshot past the hole starts its own chain');
  });

  it('the second of the chain end is restorable only once a later second is captured', () => {
    assert.deepEqual(rangeSeconds({ from: ts(10, 1), to: ts(13, 2) }), { first: 10, last: 12 });
  });
});
