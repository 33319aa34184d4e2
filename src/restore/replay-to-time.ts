/**
 * The point-in-time half of a restore: the job's oplog slices after the snapshot, replayed onto the target
 * with the one applier (src/oplog/replay) through the restore's namespace map, up to T inclusive. Starts
 * from the applier state the catalog saved at the snapshot's position when it has it. Invariant: the
 * result is checked, not assumed: the chain has no hole, reaches T, and every entry the slices hold was
 * read and either applied (ts <= T), left out (ts > T) or, in a stale capture attempt's overlapping slice,
 * recognised as already applied.
 */
import type { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import { RestoreVerifyFailed } from '../errors/domain-errors.js';
import { tsFromString, tsToString } from '../lib/bson.js';
import { ApplierState, type IndexFailure, type TargetNs } from '../oplog/apply/index.js';
import { replaySlices } from '../oplog/replay/replay-slices.js';
import { IndexEvents } from './index-events.js';
import type { RestorePlan } from './plan-restore.js';

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
}

/**
 * Replays the plan's slices onto `target` up to `plan.toTs`.
 * @throws SliceChainBroken at a hole, NotFound / ChecksumMismatch for a missing or damaged slice (named)
 * @throws RestoreVerifyFailed when the chain ends short of T or an entry went unaccounted
 */
export async function replayToTime(o: {
  catalog: Catalog;
  target: MongoClient;
  plan: RestorePlan;
  map: (ns: string) => TargetNs | null;
  read: (rec: SliceRecord) => Promise<Uint8Array[]>;
  signal?: AbortSignal;
  onProgress?: (p: { slices: number; entries: number }) => void;
  logger?: Logger;
}): Promise<ReplayToTimeOutcome> {
  if (o.plan.toTs === undefined) throw new Error(`restore plan of snapshot '${o.plan.snapshotId}' has no time to replay to`);
  const from = tsFromString(o.plan.snapshotTs);
  const upTo = tsFromString(o.plan.toTs);
  const saved = ApplierState.safeParse(await o.catalog.syncs.applierState(o.plan.jobId, o.plan.syncNumber, from));
  // Slices that begin at or after T hold only later entries; a hair past T reaches a slice starting at T.
  // The chain of the snapshot's own sync (a resync's chain never interleaves with an older one).
  const slices = await o.catalog.slices.oplogBetween({ jobId: o.plan.jobId, syncNumber: o.plan.syncNumber }, from, upTo);
  const events = new IndexEvents();
  const res = await replaySlices({
    target: o.target,
    mapNamespace: o.map,
    state: saved.success ? saved.data : undefined,
    slices,
    read: o.read,
    afterTs: from,
    upTo,
    requireChain: true,
    signal: o.signal,
    onEntries: (entries) => events.observe(entries),
    onProgress: o.onProgress,
    logger: o.logger,
  });
  const held = slices.reduce((n, s) => n + s.count, 0);
  if (res.through.lt(upTo)) {
    const last = slices.at(-1);
    const after = last === undefined ? 'no slice after the snapshot' : `its last slice '${last._id}'`;
    throw new RestoreVerifyFailed(`the oplog slices of job '${o.plan.jobId}' reach ${tsToString(res.through)} with ${after}, short of the restore time ${o.plan.toTs}`, { details: { slice: last?._id } });
  }
  // A stale capture attempt's slice repeats entries the slice before it applied: counted, not applied twice.
  const accounted = res.entries + res.leftOut + res.overlapped;
  if (accounted !== held) {
    throw new RestoreVerifyFailed(`the replay to ${o.plan.toTs} accounted for ${accounted} of the ${held} entries its ${slices.length} slices hold`);
  }
  return {
    slices: res.slices,
    entries: res.entries,
    leftOut: res.leftOut,
    last: res.last === undefined ? undefined : { ts: tsToString(res.last.ts), ns: res.last.ns },
    indexFailures: res.failures.filter((f): f is IndexFailure => 'index' in f),
    commandFailures: res.failures.filter((f): f is { ns: string; command: string; error: string } => 'command' in f),
    events,
  };
}
