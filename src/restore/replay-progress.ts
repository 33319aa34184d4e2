/**
 * How far a point-in-time replay has got, and its form in the restore's catalog record (ReplayCheckpoint).
 * Invariant: a progress describes exactly the slices it counts: the applier state, totals, index events
 * and refusals are those after applying the chain's first `slices` slices, through `through`, so a replay
 * that goes on from it ends as one that never stopped.
 */
import { Binary, type Timestamp } from 'mongodb';
import { z } from 'zod';
import type { ReplayCheckpoint, ReplayClaim } from '../catalog/restores.js';
import { IndexEventsJson } from '../contracts/restore.js';
import { decodeOrdered, encodeOrdered } from '../lib/bson.js';
import { ApplierState, CommandFailure, IndexFailure } from '../oplog/apply/index.js';

export interface ReplayProgress {
  /** Slices of the chain applied (in capture order), and the id of the last of them ('' before any). */
  slices: number;
  sliceId: string;
  /** The running-maximum ts applied through: the position the next slice continues from. */
  through: Timestamp;
  /** The applier's state at `through` (open transactions, collection UUIDs), when known. */
  state?: ApplierState;
  /** Running totals: entries applied (ts <= T), left out (ts > T), and repeated by an overlapping slice. */
  entries: number;
  leftOut: number;
  overlapped: number;
  /** The last operation applied (no-ops aside). */
  last?: { ts: Timestamp; ns: string };
  indexFailures: IndexFailure[];
  commandFailures: CommandFailure[];
  events: IndexEventsJson;
}

/** What a checkpoint carries as BSON bytes (the parts whose documents must keep their types and order). */
const Carry = z.object({
  state: ApplierState,
  indexFailures: z.array(IndexFailure),
  commandFailures: z.array(CommandFailure),
  events: IndexEventsJson,
});

/** The progress as the restore record keeps it; `by` names the activity run and the attempt of it that saves it. */
export function toCheckpoint(p: ReplayProgress, by: ReplayClaim, now = new Date()): ReplayCheckpoint {
  if (p.slices < 1 || p.state === undefined) throw new Error('a replay is saved only once it has applied a slice');
  const carry = { state: p.state, indexFailures: p.indexFailures, commandFailures: p.commandFailures, events: p.events };
  return {
    owner: by.owner,
    attempt: by.attempt,
    slices: p.slices,
    sliceId: p.sliceId,
    through: p.through,
    entries: p.entries,
    leftOut: p.leftOut,
    overlapped: p.overlapped,
    ...(p.last === undefined ? {} : { last: p.last }),
    carry: new Binary(encodeOrdered(carry)),
    savedAt: now,
  };
}

/**
 * The progress a checkpoint saved.
 * @throws ZodError when its carried part is not what a replay saves (then start from the snapshot)
 */
export function fromCheckpoint(c: ReplayCheckpoint): ReplayProgress {
  const carry = Carry.parse(decodeOrdered(c.carry.value()));
  return { slices: c.slices, sliceId: c.sliceId, through: c.through, entries: c.entries, leftOut: c.leftOut, overlapped: c.overlapped, last: c.last, ...carry };
}
