/**
 * Copies one _id range of a source collection into slices. Documents travel as raw BSON from the cursor
 * to the slice (never decoded and re-encoded); only the last document of each slice is decoded, for its
 * _id, which is the resume point after a crash. Ranges are [min, max) in _id order.
 */
import type { MongoClient, ReadPreferenceLike } from 'mongodb';
import type { IdRange } from '../catalog/syncs.js';
import { decodeRaw } from '../lib/bson.js';
import { splitNs } from '../lib/namespace.js';

export interface CopyResume {
  lastId?: unknown;
  seq: number;
  docs: number;
  bytes: number;
}

export interface CopyRangeOptions {
  client: MongoClient;
  ns: string;
  range: IdRange;
  resume?: CopyResume;
  sliceMaxBytes: number;
  readPreference?: ReadPreferenceLike;
  /** Stores one slice; must be durable when it resolves. */
  writeSlice: (docs: Uint8Array[], seq: number) => Promise<void>;
  /** Called after each durable slice with the point to resume from. */
  onProgress?: (p: CopyResume) => void;
  signal?: AbortSignal;
}

export function rangeFilter(range: IdRange, after?: unknown): Record<string, unknown> {
  const id: Record<string, unknown> = {};
  if (after !== undefined) id.$gt = after;
  else if (range.min !== undefined) id.$gte = range.min;
  if (range.max !== undefined) id.$lt = range.max;
  return Object.keys(id).length === 0 ? {} : { _id: id };
}

export async function copyRange(opts: CopyRangeOptions): Promise<CopyResume> {
  const state: CopyResume = { ...(opts.resume ?? { seq: 0, docs: 0, bytes: 0 }) };
  const { db, coll } = splitNs(opts.ns);
  const cursor = opts.client
    .db(db)
    .collection(coll)
    .find(rangeFilter(opts.range, state.lastId), {
      raw: true,
      sort: { _id: 1 },
      batchSize: 2000,
      readPreference: opts.readPreference,
      // Only what a majority has, as T0 and the tail read (src/source/read-options.ts).
      readConcern: { level: 'majority' },
    });
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await opts.writeSlice(batch, state.seq);
    state.lastId = decodeRaw(batch[batch.length - 1]!)._id;
    state.seq += 1;
    state.docs += batch.length;
    state.bytes += batchBytes;
    batch = [];
    batchBytes = 0;
    opts.onProgress?.({ ...state });
  };
  try {
    for await (const raw of cursor as AsyncIterable<unknown>) {
      opts.signal?.throwIfAborted();
      const doc = raw as Uint8Array;
      if (batchBytes + doc.length > opts.sliceMaxBytes && batch.length > 0) await flush();
      batch.push(doc);
      batchBytes += doc.length;
    }
    await flush();
  } finally {
    await cursor.close();
  }
  return state;
}
