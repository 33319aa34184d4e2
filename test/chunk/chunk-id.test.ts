import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkId, chunkId } from '../../src/chunk/chunk-id.js';

describe('chunk ids', () => {
  it('is the sha-256 of the plaintext in lowercase hex', () => {
    assert.equal(
      chunkId(Buffer.from('abc')),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.equal(ChunkId.safeParse(chunkId(Buffer.alloc(0))).success, true);
  });

  it('differs when one byte differs', () => {
    const a = Buffer.alloc(4096, 1);
    const b = Buffer.from(a);
    b[4095] = 2;
    assert.notEqual(chunkId(a), chunkId(b));
  });

  it('rejects ids that are not 64 lowercase hex digits', () => {
    assert.equal(ChunkId.safeParse('ABC').success, false);
    assert.equal(ChunkId.safeParse('g'.repeat(64)).success, false);
  });
});
