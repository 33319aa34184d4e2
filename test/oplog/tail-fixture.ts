/**
 * Tail calls as the oplog tests make them: one call of `tailOplog` that keeps the slices it writes, and
 * the `_id`s of one collection's inserts those slices hold.
 */
import type { MongoClient, Timestamp } from 'mongodb';
import { decodeRaw } from '../../src/lib/bson.js';
import { tailOplog, type OplogSliceOut, type TailOptions } from '../../src/oplog/tail.js';

/** The `_id`s of the inserts into namespace `ns` that the slices hold, in oplog order. */
export function insertedIds(slices: OplogSliceOut[], ns: string): number[] {
  return slices
    .flatMap((s) => s.entries.map(decodeRaw))
    .filter((e) => e.ns === ns)
    .map((e) => Number((e.o as { _id: unknown })._id));
}

/**
 * One tail call whose deadline is `deadlineMs` from now, in slices of at most 1 MiB unless told otherwise:
 * each slice goes to `writeSlice` (when given), then joins the slices the call returns beside its result.
 */
export async function tailSlices(
  o: Omit<TailOptions, 'deadline' | 'sliceMaxBytes' | 'writeSlice'> & {
    deadlineMs: number;
    sliceMaxBytes?: number;
    writeSlice?: TailOptions['writeSlice'];
  },
) {
  const { deadlineMs, writeSlice, ...opts } = o;
  const slices: OplogSliceOut[] = [];
  const res = await tailOplog({
    sliceMaxBytes: 1024 * 1024,
    ...opts,
    deadline: Date.now() + deadlineMs,
    writeSlice: async (s) => {
      await writeSlice?.(s);
      slices.push(s);
    },
  });
  return { res, slices };
}

/**
 * One capture call that returns once it wrote a slice (an hour to its deadline: only that ends it), polling
 * every 100 ms for slices of up to 100 ms.
 */
export function tailToFirstSlice(o: {
  client: MongoClient;
  afterTs: Timestamp;
  cursors?: TailOptions['cursors'];
  writeSlice?: TailOptions['writeSlice'];
}) {
  return tailSlices({
    ...o,
    deadlineMs: 3_600_000,
    returnAfterMs: 0,
    sliceMaxAgeMs: 100,
    wait: { mode: 'poll', pollMs: 100 },
  });
}
