import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Chunker, chunkBuffer, chunkStream } from '../../src/chunk/chunker.js';
import { chunkId } from '../../src/chunk/chunk-id.js';
import type { ChunkerOptions } from '../../src/chunk/chunker-options.js';
import { InvalidConfig } from '../../src/errors/domain-errors.js';
import { documentLikeBytes, seeded } from './document-like.js';

const small = { minBytes: 2 * 1024, avgBytes: 8 * 1024, maxBytes: 32 * 1024 };
const lengths = (chunks: Buffer[]) => chunks.map((c) => c.length);

/** Pushes `data` cut at random points (including 1-byte and empty pieces) and collects every chunk. */
function chunkInRandomPieces(
  data: Buffer,
  seed: number,
  maxPiece: number,
  options: ChunkerOptions = small,
): Buffer[] {
  const rnd = seeded(seed);
  const chunker = new Chunker(options);
  const out: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const size = rnd() < 0.1 ? Math.floor(rnd() * 3) : 1 + Math.floor(rnd() * maxPiece);
    out.push(...chunker.push(data.subarray(at, at + size)));
    at += size;
  }
  return [...out, ...chunker.finish()];
}

/** Share of the chunks of `before` (by id) that also appear in `after`. */
function sharedShare(before: Buffer[], after: Buffer[]): number {
  const ids = new Set(after.map(chunkId));
  return before.filter((c) => ids.has(chunkId(c))).length / before.length;
}

describe('FastCDC chunker', () => {
  const data = documentLikeBytes(4 * 1024 * 1024, 7);

  it('gives no chunks for empty input', () => {
    const chunker = new Chunker();
    assert.deepEqual(chunker.push(Buffer.alloc(0)), []);
    assert.deepEqual(chunker.finish(), []);
    assert.deepEqual(chunkBuffer(Buffer.alloc(0)), []);
  });

  it('returns chunks whose concatenation is the input', () => {
    const chunks = chunkBuffer(data, small);
    assert.ok(chunks.length > 100, `expected many chunks, got ${chunks.length}`);
    assert.ok(Buffer.concat(chunks).equals(data));
  });

  it('is deterministic: the same bytes give the same chunk ids', () => {
    assert.deepEqual(
      chunkBuffer(data, small).map(chunkId),
      chunkBuffer(Buffer.from(data), small).map(chunkId),
    );
  });

  it('finds the same boundaries whatever the sizes of the pieces pushed', () => {
    const whole = lengths(chunkBuffer(data, small));
    for (const [seed, maxPiece] of [
      [1, 64],
      [2, 4096],
      [3, 100_000],
      [4, 3],
    ] as const) {
      assert.deepEqual(
        lengths(chunkInRandomPieces(data, seed, maxPiece)),
        whole,
        `seed ${seed}, pieces <= ${maxPiece}`,
      );
    }
  });

  it('finds the same boundaries with the default sizes when fed document by document', () => {
    const big = documentLikeBytes(12 * 1024 * 1024, 11);
    const whole = lengths(chunkBuffer(big));
    assert.ok(whole.length >= 5, `expected several 1 MiB chunks, got ${whole.length}`);
    assert.deepEqual(lengths(chunkInRandomPieces(big, 5, 2000, {})), whole);
  });

  it('yields the same chunks from an async stream of pieces', async () => {
    async function* pieces() {
      for (let at = 0; at < data.length; at += 777) yield data.subarray(at, at + 777);
    }
    const streamed: Buffer[] = [];
    for await (const chunk of chunkStream(pieces(), small)) streamed.push(chunk);
    assert.deepEqual(lengths(streamed), lengths(chunkBuffer(data, small)));
  });

  it('respects the minimum and maximum sizes, also on data with no natural boundary', () => {
    for (const input of [data, Buffer.alloc(300 * 1024), Buffer.alloc(300 * 1024, 0xa5)]) {
      const sizes = lengths(chunkBuffer(input, small));
      sizes
        .slice(0, -1)
        .forEach((s) => assert.ok(s >= small.minBytes && s <= small.maxBytes, `chunk of ${s} bytes`));
      assert.ok(sizes.at(-1)! <= small.maxBytes);
      assert.equal(
        sizes.reduce((a, b) => a + b, 0),
        input.length,
      );
    }
  });

  it('keeps the average chunk size near the configured average', () => {
    const sizes = lengths(chunkBuffer(data, small));
    const mean = data.length / sizes.length;
    assert.ok(
      mean > small.avgBytes * 0.75 && mean < small.avgBytes * 1.6,
      `mean chunk ${mean.toFixed(0)} bytes`,
    );
  });

  it('keeps most later chunks unchanged when bytes are inserted near the start', () => {
    const before = chunkBuffer(data, small);
    const edited = Buffer.concat([
      data.subarray(0, 5000),
      Buffer.from('an inserted field, 37 bytes long....'),
      data.subarray(5000),
    ]);
    const share = sharedShare(before, chunkBuffer(edited, small));
    assert.ok(share >= 0.97, `only ${(share * 100).toFixed(1)}% of chunks survived an insertion`);
  });

  it('keeps most chunks unchanged when bytes are deleted in the middle, with the default sizes', () => {
    const big = documentLikeBytes(24 * 1024 * 1024, 3);
    const before = chunkBuffer(big);
    const edited = Buffer.concat([big.subarray(0, 9_000_000), big.subarray(9_000_100)]);
    const share = sharedShare(before, chunkBuffer(edited));
    assert.ok(
      share >= 0.85,
      `only ${(share * 100).toFixed(1)}% of ${before.length} chunks survived a deletion`,
    );
  });

  it('cuts exactly where format v1 always cut (a changed boundary would break dedup against old snapshots)', () => {
    // Pinned from the first chunker: the SHA-256 of the comma-joined chunk lengths of fixed data. A faster
    // hot loop or gear table layout must keep every one of these boundaries.
    const data = documentLikeBytes(8 * 1024 * 1024, 7);
    const pinned: [ChunkerOptions, number, string][] = [
      [{}, 6, '8660a8d840e6c519'],
      [small, 881, '8300cdd6f1a78ac1'],
      [{ minBytes: 64, avgBytes: 256, maxBytes: 1024, normalization: 0 }, 26705, '83ad8e4c6dc2e7d3'],
    ];
    for (const [options, count, digest] of pinned) {
      const lens = lengths(chunkBuffer(data, options));
      assert.equal(lens.length, count, JSON.stringify(options));
      assert.equal(createHash('sha256').update(lens.join(',')).digest('hex').slice(0, 16), digest);
    }
  });

  it('averages about 1 MiB with the default sizes on document-like data', () => {
    const lens = lengths(chunkBuffer(documentLikeBytes(32 * 1024 * 1024, 42)));
    assert.ok(lens.length >= 16 && lens.length <= 40, `${lens.length} chunks of 32 MiB`);
    const avg = (32 * 1024 * 1024) / lens.length;
    assert.ok(avg > 768 * 1024 && avg < 2 * 1024 * 1024, `average ${avg} bytes`);
  });

  it('refuses inconsistent sizes with InvalidConfig', () => {
    assert.throws(() => new Chunker({ minBytes: 8192, avgBytes: 4096, maxBytes: 65536 }), InvalidConfig);
    assert.throws(() => new Chunker({ minBytes: 10, avgBytes: 4096, maxBytes: 65536 }), /minBytes/);
  });
});
