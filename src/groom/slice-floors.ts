/**
 * How far groom may delete each chain of oplog slices (one chain per initial sync, src/catalog/slices.ts).
 * Pure. A chain's slice is needed while any of these reads it:
 * - a restore into the point-in-time window: from the oldest retained snapshot of that chain at or after
 *   the window's base (a restore replays the chain of the snapshot it starts from);
 * - a live restore lease: from its `fromTs`, on the chain of the leased snapshot;
 * - the chain's own head, while no later sync has replaced it: an unfinished sync applies from its T0, and
 *   a followed head has applied past its newest snapshot (a snapshot reads the head), or, with none yet,
 *   is kept whole.
 * A chain a later consistent sync replaced, which no retained snapshot in the window nor lease reads, is
 * needed by nothing and deleted whole. Slices of the older job-wide chain (no sync number) are read as
 * part of every chain, so they go only once every chain lets them.
 */
import type { Timestamp } from 'mongodb';
import type { SyncChain } from '../catalog/slice-chains.js';

/** Delete the chain's slices that end before `before`; keep them all; or delete them all. */
export type SliceFloor = { before: Timestamp } | 'keep all' | 'delete all';

export interface FloorInputs {
  syncs: SyncChain[];
  /** Snapshots this groom retains (kept by the policy or by a lease). */
  snapshots: Array<{ syncNumber: number; ts: Timestamp }>;
  /** The window's base snapshot's ts (retention's slice floor); absent when there is no snapshot. */
  windowBase?: Timestamp;
  /** Live restore leases; `syncNumber` absent when the leased snapshot's chain is unknown (holds every chain). */
  leases: Array<{ fromTs: Timestamp; syncNumber?: number }>;
  /** Sync numbers found on slices, snapshots or syncs: every chain to judge. */
  chains: number[];
}

export interface Floors {
  chains: Map<number, SliceFloor>;
  /** For slices without a sync number. */
  jobWide: SliceFloor;
}

const earliest = (ts: Timestamp[]): Timestamp | undefined => ts.reduce<Timestamp | undefined>((min, t) => (min === undefined || t.lt(min) ? t : min), undefined);

export function sliceFloors(i: FloorInputs): Floors {
  const chains = new Map<number, SliceFloor>();
  for (const n of [...new Set(i.chains)].sort((a, b) => a - b)) chains.set(n, chainFloor(i, n));
  return { chains, jobWide: jobWideFloor([...chains.values()]) };
}

function chainFloor(i: FloorInputs, n: number): SliceFloor {
  const own = i.snapshots.filter((s) => s.syncNumber === n).map((s) => s.ts);
  const needs: Timestamp[] = i.leases.filter((l) => l.syncNumber === undefined || l.syncNumber === n).map((l) => l.fromTs);
  const inWindow = i.windowBase === undefined ? undefined : earliest(own.filter((t) => !t.lt(i.windowBase!)));
  if (inWindow !== undefined) needs.push(inWindow);
  const replaced = i.syncs.some((s) => s.syncNumber > n && s.consistentAt !== undefined);
  if (!replaced) {
    const sync = i.syncs.find((s) => s.syncNumber === n);
    if (sync !== undefined && sync.consistentAt === undefined) needs.push(sync.t0);
    const newest = own.reduce<Timestamp | undefined>((max, t) => (max === undefined || t.gt(max) ? t : max), undefined);
    if (newest !== undefined) needs.push(newest);
    else if (sync !== undefined) needs.push(sync.t0);
    else return 'keep all'; // a follow without a sync record (started by hand): where its head stands is unknown
  }
  const floor = earliest(needs);
  return floor === undefined ? 'delete all' : { before: floor };
}

/** The old job-wide chain is read by every chain (from each one's start): it goes below every floor. */
function jobWideFloor(floors: SliceFloor[]): SliceFloor {
  if (floors.length === 0 || floors.includes('keep all')) return 'keep all';
  const before = earliest(floors.flatMap((f) => (typeof f === 'object' ? [f.before] : [])));
  return before === undefined ? 'keep all' : { before };
}

/**
 * Chain by chain, the floor that deletes less of the two (groom deletes no further than the floors it
 * marked snapshots for before it read the leases, src/groom/expire.ts).
 */
export function lowerFloors(a: Floors, b: Floors): Floors {
  const chains = new Map<number, SliceFloor>();
  for (const n of new Set([...a.chains.keys(), ...b.chains.keys()])) chains.set(n, lower(a.chains.get(n) ?? 'keep all', b.chains.get(n) ?? 'keep all'));
  return { chains, jobWide: lower(a.jobWide, b.jobWide) };
}

function lower(a: SliceFloor, b: SliceFloor): SliceFloor {
  if (a === 'keep all' || b === 'keep all') return 'keep all';
  if (a === 'delete all') return b;
  if (b === 'delete all') return a;
  return a.before.lt(b.before) ? a : b;
}

/** Whether the floor deletes a slice that ends at `lastTs`. */
export function deletes(floor: SliceFloor, lastTs: Timestamp): boolean {
  return floor === 'delete all' || (typeof floor === 'object' && lastTs.lt(floor.before));
}

/**
 * The lowest `before` of any chain (the result's sliceFloor): every chain groomed to a floor lost its slices
 * ending before it; a chain kept whole or deleted whole is not bounded by it.
 */
export function lowestFloor(f: Floors): Timestamp | undefined {
  return earliest([...f.chains.values(), f.jobWide].flatMap((x) => (typeof x === 'object' ? [x.before] : [])));
}
