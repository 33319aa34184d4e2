import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  COMPRESSION_IDS,
  Compression,
  compress,
  compressionFromId,
  decompress,
} from '../../src/codec/compression.js';
import { documentLikeBytes } from '../chunk/document-like.js';

describe('compression', () => {
  const plain = documentLikeBytes(128 * 1024, 9);

  it('round-trips every algorithm at default and explicit levels', () => {
    for (const algorithm of Compression.options) {
      for (const level of [undefined, 1]) {
        assert.ok(
          decompress(algorithm, compress(algorithm, plain, level)).equals(plain),
          `${algorithm} level ${level}`,
        );
      }
    }
  });

  it('writes real zstd and gzip frames (readable by other tools)', () => {
    assert.deepEqual([...compress('zstd', plain).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
    assert.deepEqual([...compress('gzip', plain).subarray(0, 2)], [0x1f, 0x8b]);
  });

  it('keeps the persisted ids stable and distinct', () => {
    assert.deepEqual(COMPRESSION_IDS, { none: 0, gzip: 1, zstd: 2 });
    for (const c of Compression.options) assert.equal(compressionFromId(COMPRESSION_IDS[c]), c);
    assert.equal(compressionFromId(3), undefined);
  });
});
