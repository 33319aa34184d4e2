/**
 * A streaming FastCDC chunker (Xia et al., "FastCDC", USENIX ATC 2016 / IEEE TPDS 2020): a gear rolling
 * hash, cut-point skipping below the minimum size, and normalized chunking with two masks. Invariant: the
 * boundaries depend only on the bytes, never on how they were split into pieces when pushed, because the
 * hash state and the position in the current chunk carry over from one piece to the next.
 */
import { parseChunkerOptions, planCuts, type ChunkerOptions, type CutPlan } from './chunker-options.js';
import { GEAR } from './gear.js';

export class Chunker {
  private readonly plan: CutPlan;
  /** Parts of the current chunk, as views of the pushed pieces (not copies). */
  private pending: Uint8Array[] = [];
  /** Bytes of the current chunk seen so far (all of them scanned). */
  private length = 0;
  private hash = 0;

  constructor(options: ChunkerOptions = {}) {
    this.plan = planCuts(parseChunkerOptions(options));
  }

  /**
   * Feeds the next piece of the stream and returns the chunks it completes, in order. Each chunk is a new
   * Buffer the caller owns. Contract: the chunker keeps views of `piece` until the chunk holding its bytes
   * is returned, so the caller must not overwrite a pushed buffer afterwards.
   */
  push(piece: Uint8Array): Buffer[] {
    const chunks: Buffer[] = [];
    let start = 0;
    while (start < piece.length) {
      const cut = this.scan(piece, start);
      if (cut < 0) {
        this.pending.push(start === 0 ? piece : piece.subarray(start));
        break;
      }
      this.pending.push(piece.subarray(start, cut));
      chunks.push(this.take());
      start = cut;
    }
    return chunks;
  }

  /** Ends the stream: returns the tail as a last chunk (none when the stream ended on a boundary or was empty). */
  finish(): Buffer[] {
    return this.length === 0 ? [] : [this.take()];
  }

  private take(): Buffer {
    const chunk = Buffer.concat(this.pending);
    this.pending = [];
    this.length = 0;
    this.hash = 0;
    return chunk;
  }

  /**
   * Scans `buf` from `from` as the continuation of the current chunk. Returns the index in `buf` just
   * after the cut, or -1 when the piece ends first (then the state is kept for the next piece).
   */
  private scan(buf: Uint8Array, from: number): number {
    const p = this.plan;
    const n = buf.length;
    const base = this.length - from; // chunk position of buf[i] is base + i
    let i = from;
    if (base + i < p.hashFrom) i = Math.min(n, p.hashFrom - base);
    if (i < n && base + i < p.testFrom) {
      const end = Math.min(n, p.testFrom - base);
      this.hash = warm(buf, i, end, this.hash);
      i = end;
    }
    if (i < n && base + i < p.looseFrom) {
      const end = Math.min(n, p.looseFrom - base);
      const cut = this.seek(buf, i, end, p.strictMask);
      if (cut >= 0) return cut + 1;
      i = end;
    }
    if (i < n && base + i < p.forcedAt) {
      const end = Math.min(n, p.forcedAt - base);
      const cut = this.seek(buf, i, end, p.looseMask);
      if (cut >= 0) return cut + 1;
      i = end;
    }
    if (i < n) return i + 1; // buf[i] is the last byte a chunk of maxBytes may hold
    this.length = base + n;
    return -1;
  }

  /**
   * The hot loop: returns the index of the first byte whose hash has all `mask` bits clear, or -1.
   * Unrolled by four (the same hash and the same test at every byte, so the same cuts): V8 keeps `h` in a
   * register across the four steps, which more than doubles the rate of the one-byte loop.
   */
  private seek(buf: Uint8Array, from: number, end: number, mask: number): number {
    const gear = GEAR;
    let h = this.hash;
    let i = from;
    for (const last = end - 3; i < last; i += 4) {
      h = ((h << 1) + gear[buf[i]!]!) | 0;
      if ((h & mask) === 0) return i;
      h = ((h << 1) + gear[buf[i + 1]!]!) | 0;
      if ((h & mask) === 0) return i + 1;
      h = ((h << 1) + gear[buf[i + 2]!]!) | 0;
      if ((h & mask) === 0) return i + 2;
      h = ((h << 1) + gear[buf[i + 3]!]!) | 0;
      if ((h & mask) === 0) return i + 3;
    }
    for (; i < end; i++) {
      h = ((h << 1) + gear[buf[i]!]!) | 0;
      if ((h & mask) === 0) return i;
    }
    this.hash = h;
    return -1;
  }
}

function warm(buf: Uint8Array, from: number, end: number, hash: number): number {
  const gear = GEAR;
  let h = hash;
  for (let i = from; i < end; i++) h = ((h << 1) + gear[buf[i]!]!) | 0;
  return h;
}

/** Chunks a whole buffer at once (the same boundaries as pushing it in any pieces). */
export function chunkBuffer(data: Uint8Array, options: ChunkerOptions = {}): Buffer[] {
  const chunker = new Chunker(options);
  return [...chunker.push(data), ...chunker.finish()];
}

/** Chunks a stream of pieces (e.g. raw BSON documents from a cursor), yielding chunks as they complete. */
export async function* chunkStream(
  pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ChunkerOptions = {},
): AsyncGenerator<Buffer> {
  const chunker = new Chunker(options);
  for await (const piece of pieces) yield* chunker.push(piece);
  yield* chunker.finish();
}
