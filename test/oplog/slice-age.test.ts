import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sliceAgeFrom } from '../../src/oplog/slice-age.js';

describe('sliceAgeFrom', () => {
  const read = 1_000_000;
  it("counts from the first entry's write when it was read soon after", () => {
    assert.equal(sliceAgeFrom(new Date(read - 180), read, 1000), read - 180);
  });
  it('counts at most half the limit before the read (a worker clock ahead of the source)', () => {
    assert.equal(sliceAgeFrom(new Date(read - 5000), read, 1000), read - 500);
  });
  it('never after the read (a worker clock behind the source)', () => {
    assert.equal(sliceAgeFrom(new Date(read + 3000), read, 1000), read);
  });
  it('from the read when the entry has no wall time', () => {
    assert.equal(sliceAgeFrom(undefined, read, 1000), read);
    assert.equal(sliceAgeFrom(new Date(Number.NaN), read, 1000), read);
  });
});
