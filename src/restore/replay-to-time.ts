/**
 * The point-in-time half of a restore: the job's oplog slices after the snapshot, replayed onto the target
 * with the one applier (src/oplog/replay) through the restore's namespace map, up to T inclusive. Starts
 * from the applier state the catalog saved at the snapshot's position when it has it. Resumable: the slices
 * go in batches of about `checkpointMs`, and after each the caller may save the progress (position, applier
 * state, running totals); a retried replay given that progress goes on with the next slice. A save that
 * throws (the caller's fence refused it) stops the replay before its next batch. Invariant: the
 * result is checked, not assumed: the chain has no hole, reaches T, and every entry the slices hold was
 * read (by this attempt, or by the earlier one whose counts the progress carries) and either applied
 * (ts <= T), left out (ts > T) or, in a stale capture attempt's overlapping slice, recognised as already
 * applied.
 */
import type { MongoClient, Timestamp } from 'mongodb';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import { RestoreVerifyFailed } from '../errors/domain-errors.js';
import { tsFromString, tsToString } from '../lib/bson.js';
import { ApplierState, type CommandFailure, type IndexFailure, type TargetNs } from '../oplog/apply/index.js';
import { replaySlices, type ReplayOutcome } from '../oplog/replay/replay-slices.js';
import { IndexEvents } from './index-events.js';
import type { RestorePlan } from './plan-restore.js';
import type { ReplayProgress } from './replay-progress.js';

/** Replay time between two saved progresses: a killed replay repeats about this much, plus one slice. */
export const CHECKPOINT_MS = 1_000;

export interface ReplayToTimeOutcome {
  slices: number;
  /** Entries applied (ts <= T), and entries of the same slices left out (ts > T). */
  entries: number;
  leftOut: number;
  /** The last operation applied: its ts (`<seconds>.<increment>`) and source namespace. */
  last?: { ts: string; ns: string };
  /** What the target refused (index builds are retried after the replay). */
  indexFailures: IndexFailure[];
  commandFailures: Array<{ ns: string; command: string; error: string }>;
  events: IndexEvents;
  /** Where this replay went on from an earlier attempt's saved progress (slices applied, through which ts). */
  resumed?: { slices: number; through: Timestamp };
}

/**
 * Replays the plan's slices onto `target` up to `plan.toTs`, from `resume` when it names a slice of the
 * chain (else from the snapshot), handing `checkpoint` the progress after each batch of slices.
 * @throws SliceChainBroken at a hole, NotFound / ChecksumMismatch for a missing or damaged slice (named)
 * @throws RestoreVerifyFailed when the chain ends short of T or an entry went unaccounted
 */
export async function replayToTime(o: {
  catalog: Catalog;
  target: MongoClient;
  plan: RestorePlan;
  map: (ns: string) => TargetNs | null;
  read: (rec: SliceRecord) => Promise<Uint8Array[]>;
  /** An earlier attempt's progress, saved by its `checkpoint`. */
  resume?: ReplayProgress;
  /** Saves the progress after each batch (the last one included); without it, one batch. */
  checkpoint?: (p: ReplayProgress) => Promise<void>;
  checkpointMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: { slices: number; entries: number }) => void;
  logger?: Logger;
}): Promise<ReplayToTimeOutcome> {
  if (o.plan.toTs === undefined) throw new Error(`restore plan of snapshot '${o.plan.snapshotId}' has no time to replay to`);
  const from = tsFromString(o.plan.snapshotTs);
  const upTo = tsFromString(o.plan.toTs);
  // Slices that begin at or after T hold only later entries; a hair past T reaches a slice starting at T.
  // The chain of the snapshot's own sync (a resync's chain never interleaves with an older one). The whole
  // chain also on a resumed replay: the count check below covers every slice, applied now or before.
  const slices = await o.catalog.slices.oplogBetween({ jobId: o.plan.jobId, syncNumber: o.plan.syncNumber }, from, upTo);
  const resumed = resumable(o.resume, slices, o.logger);
  let p = resumed ?? (await fromSnapshot(o.catalog, o.plan, from));
  const events = IndexEvents.fromJSON(p.events);
  const read = keepingLastRead(o.read);
  while (p.slices < slices.length) {
    const done = p;
    const res = await replaySlices({
      target: o.target,
      mapNamespace: o.map,
      state: p.state,
      slices: slices.slice(p.slices),
      read,
      afterTs: p.through,
      upTo,
      requireChain: true,
      deadline: o.checkpoint === undefined ? undefined : Date.now() + (o.checkpointMs ?? CHECKPOINT_MS),
      signal: o.signal,
      onEntries: (entries) => events.observe(entries),
      onProgress: (q) => o.onProgress?.({ slices: done.slices + q.slices, entries: done.entries + q.entries }),
      logger: o.logger,
    });
    p = advance(p, res, slices, events);
    // Also the check before the next batch: a caller's save that is refused (a later attempt holds the
    // replay) throws and ends the replay here, so a superseded attempt writes at most the batch it was in.
    await o.checkpoint?.(p);
  }
  checkComplete(o.plan, slices, p, upTo);
  return {
    slices: p.slices,
    entries: p.entries,
    leftOut: p.leftOut,
    last: p.last === undefined ? undefined : { ts: tsToString(p.last.ts), ns: p.last.ns },
    indexFailures: p.indexFailures,
    commandFailures: p.commandFailures,
    events,
    ...(resumed === undefined ? {} : { resumed: { slices: resumed.slices, through: resumed.through } }),
  };
}

/** Throws unless the replay reached T and accounted for every entry the chain's slices hold. */
function checkComplete(plan: RestorePlan, slices: SliceRecord[], p: ReplayProgress, upTo: Timestamp): void {
  const held = slices.reduce((n, s) => n + s.count, 0);
  if (p.through.lt(upTo)) {
    const last = slices.at(-1);
    const after = last === undefined ? 'no slice after the snapshot' : `its last slice '${last._id}'`;
    throw new RestoreVerifyFailed(`the oplog slices of job '${plan.jobId}' reach ${tsToString(p.through)} with ${after}, short of the restore time ${plan.toTs}`, { details: { slice: last?._id } });
  }
  // A stale capture attempt's slice repeats entries the slice before it applied: counted, not applied twice.
  const accounted = p.entries + p.leftOut + p.overlapped;
  if (accounted !== held) {
    throw new RestoreVerifyFailed(`the replay to ${plan.toTs} accounted for ${accounted} of the ${held} entries its ${slices.length} slices hold`);
  }
}

/** Nothing applied yet: the target is at the snapshot, with the applier state the catalog saved there. */
async function fromSnapshot(catalog: Catalog, plan: RestorePlan, from: Timestamp): Promise<ReplayProgress> {
  const saved = ApplierState.safeParse(await catalog.syncs.applierState(plan.jobId, plan.syncNumber, from));
  return {
    slices: 0, sliceId: '', through: from, state: saved.success ? saved.data : undefined, entries: 0, leftOut: 0, overlapped: 0,
    indexFailures: [], commandFailures: [], events: new IndexEvents().toJSON(),
  };
}

/** `resume` when its last slice is where it says in this chain; otherwise (logged) none: start from the snapshot. */
function resumable(resume: ReplayProgress | undefined, slices: SliceRecord[], logger?: Logger): ReplayProgress | undefined {
  if (resume === undefined) return undefined;
  if (resume.slices >= 1 && resume.state !== undefined && slices[resume.slices - 1]?._id === resume.sliceId) return resume;
  logger?.warn({ slice: resume.sliceId, slices: resume.slices }, 'the saved replay progress names no slice of the chain: replaying from the snapshot');
  return undefined;
}

/** The progress after one batch of the chain's slices (the batch's outcome added to the running totals). */
function advance(p: ReplayProgress, res: ReplayOutcome, slices: SliceRecord[], events: IndexEvents): ReplayProgress {
  const n = p.slices + res.slices;
  const last = res.last !== undefined && (p.last === undefined || res.last.ts.gt(p.last.ts)) ? res.last : p.last;
  return {
    slices: n,
    sliceId: slices[n - 1]!._id,
    through: res.through,
    state: res.state,
    entries: p.entries + res.entries,
    leftOut: p.leftOut + res.leftOut,
    overlapped: p.overlapped + res.overlapped,
    last,
    indexFailures: [...p.indexFailures, ...res.failures.filter((f): f is IndexFailure => 'index' in f)],
    commandFailures: [...p.commandFailures, ...res.failures.filter((f): f is CommandFailure => 'command' in f)],
    events: events.toJSON(),
  };
}

/**
 * `read`, except that the slice read last is handed out again when it is asked for again: a batch that
 * stops at its deadline has already begun reading the next slice, and the next batch takes that read.
 */
function keepingLastRead(read: (rec: SliceRecord) => Promise<Uint8Array[]>): (rec: SliceRecord) => Promise<Uint8Array[]> {
  let last: { id: string; reading: Promise<Uint8Array[]> } | undefined;
  return (rec) => {
    if (last?.id === rec._id) return last.reading;
    last = { id: rec._id, reading: read(rec) };
    return last.reading;
  };
}
