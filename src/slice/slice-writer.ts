/**
 * Bundles raw BSON documents into slices ready to store. Cut rules: a slice closes before the document
 * that would take it past `maxBytes` (a single larger document gets a slice of its own), and an oplog
 * slice also closes once it is `maxAgeMs` old, checked by the caller with `shouldClose(now)` (no timers),
 * which keeps the RPO in seconds. Oplog slices chain: each one's `prevTs` is the last entry of the one before.
 */
import { createHash } from 'node:crypto';
import type { Timestamp } from 'mongodb';
import { z } from 'zod';
import { Compression } from '../codec/compression.js';
import { encodeBlob } from '../codec/envelope.js';
import { BlobKey } from '../codec/keys.js';
import { InvalidConfig, UnknownOplogEntry } from '../errors/domain-errors.js';
import { topLevelTimestamp } from './bson-timestamp.js';
import { encodeSliceBody } from './slice-body.js';
import { sliceKey } from './slice-key.js';
import { SLICE_FORMAT_VERSION, SliceStream, type SliceHeader, type SliceMeta } from './slice-meta.js';

export const SliceWriterOptions = z.object({
  stream: SliceStream,
  /** Sequence number of the first slice written (resume a stream with the next one). */
  firstSeq: z.number().int().min(0).default(0),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /** Oplog slices only. */
  maxAgeMs: z.number().int().min(1).default(1000),
  compression: Compression.default('zstd'),
  level: z.number().int().optional(),
  /** Seal slices with this key; stored in clear when absent. */
  key: z.instanceof(BlobKey).optional(),
});
export type SliceWriterOptions = z.input<typeof SliceWriterOptions>;

/** A closed slice: its store key, the bytes to store under it, and what the catalog records. */
export interface SealedSlice {
  key: string;
  bytes: Buffer;
  meta: SliceMeta;
}

export class SliceWriter {
  private readonly opts: z.output<typeof SliceWriterOptions>;
  private docs: Uint8Array[] = [];
  private size = 0;
  private openedAt = 0;
  private firstTs: Timestamp | undefined;
  private lastTs: Timestamp | undefined;
  private seq: number;
  private prevTs: Timestamp | undefined;

  /** `clock` gives the time in ms that ages oplog slices (injectable for tests). */
  constructor(
    options: SliceWriterOptions,
    private readonly clock: () => number = Date.now,
  ) {
    const parsed = SliceWriterOptions.safeParse(options);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new InvalidConfig(`invalid slice writer options: ${problems.join('; ')}`);
    }
    this.opts = parsed.data;
    this.seq = this.opts.firstSeq;
    this.prevTs = this.opts.stream.kind === 'oplog' ? this.opts.stream.prevTs : undefined;
  }

  /**
   * Adds one raw BSON document (kept by reference until its slice closes: do not overwrite it). Returns
   * the slice this document closed, if it would not fit in the open one; the document opens the next.
   */
  add(doc: Uint8Array): SealedSlice | undefined {
    checkFraming(doc);
    const ts = this.opts.stream.kind === 'oplog' ? entryTs(doc) : undefined;
    const closed =
      this.docs.length > 0 && this.size + doc.length > this.opts.maxBytes ? this.close() : undefined;
    if (this.docs.length === 0) {
      this.openedAt = this.clock();
      this.firstTs = ts;
    }
    this.docs.push(doc);
    this.size += doc.length;
    this.lastTs = ts;
    return closed;
  }

  /** True when the open oplog slice has reached its maximum age and should be closed now. */
  shouldClose(now: number = this.clock()): boolean {
    return (
      this.opts.stream.kind === 'oplog' && this.docs.length > 0 && now - this.openedAt >= this.opts.maxAgeMs
    );
  }

  /** Closes the open slice; undefined when it holds no document. */
  close(): SealedSlice | undefined {
    if (this.docs.length === 0) return undefined;
    const header = this.header();
    const { plain, plainSha256 } = encodeSliceBody(header, this.docs);
    const { compression, level, key } = this.opts;
    const bytes = encodeBlob(plain, { compression, level, key });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const sealedWith = key === undefined ? {} : { keyId: key.id };
    const meta: SliceMeta = {
      ...header,
      codec: compression,
      ...sealedWith,
      plainSha256,
      sha256,
      storedBytes: bytes.length,
    };
    this.seq += 1;
    this.prevTs = this.lastTs;
    this.docs = [];
    this.size = 0;
    return { key: sliceKey(meta), bytes, meta };
  }

  /** Documents and bytes in the open slice. */
  get pending(): { count: number; bytes: number } {
    return { count: this.docs.length, bytes: this.size };
  }

  /** The sequence number the next slice will carry. */
  get nextSeq(): number {
    return this.seq;
  }

  private header(): SliceHeader {
    const s = this.opts.stream;
    const contents = { seq: this.seq, count: this.docs.length, bytes: this.size };
    if (s.kind === 'collection') {
      const { jobId, syncNumber, ns, rangeIndex } = s;
      return {
        formatVersion: SLICE_FORMAT_VERSION,
        kind: 'collection',
        jobId,
        syncNumber,
        ns,
        rangeIndex,
        ...contents,
      };
    }
    return {
      formatVersion: SLICE_FORMAT_VERSION,
      kind: 'oplog',
      jobId: s.jobId,
      ...(s.syncNumber === undefined ? {} : { syncNumber: s.syncNumber }),
      ...contents,
      prevTs: this.prevTs!,
      firstTs: this.firstTs!,
      lastTs: this.lastTs!,
    };
  }
}

/** A slice must hold whole documents: the reader frames them by their length prefixes. */
function checkFraming(doc: Uint8Array): void {
  const declared = doc.length >= 5 ? Buffer.from(doc.buffer, doc.byteOffset, 4).readInt32LE(0) : -1;
  if (declared !== doc.length || doc[doc.length - 1] !== 0) {
    throw new TypeError(
      `a slice takes whole raw BSON documents; got ${doc.length} bytes declaring ${declared}`,
    );
  }
}

function entryTs(doc: Uint8Array): Timestamp {
  const ts = topLevelTimestamp(doc, 'ts');
  if (ts === undefined)
    throw new UnknownOplogEntry('unable to add an oplog entry to a slice: it has no top-level timestamp ts');
  return ts;
}
