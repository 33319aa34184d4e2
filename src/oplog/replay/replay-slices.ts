/**
 * Replays a chain of oplog slices onto any MongoDB-wire target with the one applier (src/oplog/apply),
 * through a namespace map. Slices are applied whole and in capture order, never filtered by a timestamp
 * window at the start, so an entry the source made visible late (FerretDB, docs/ferretdb-findings.md) is
 * applied as the head applies it. An optional inclusive bound `upTo` leaves out entries with a later ts.
 * Invariants: every entry a slice's record counts is read and either applied or left out by the bound;
 * with `requireChain`, a hole between slices (a prevTs past the running maximum) stops the replay.
 *
 * Overlaps: a slice whose prevTs is before the running maximum repeats a stretch already applied (two
 * capture attempts of one range: one Temporal timed out while its process still wrote, beside its retry).
 * Only its entries after the running maximum are applied. Applied whole, in prevTs order, such a slice put
 * older versions back after newer ones (an update at t4 replayed after t5), which the soak saw as a
 * document that differed from the source in the head and in every later restore.
 */
import type { Document, MongoClient, Timestamp } from 'mongodb';
import type { Logger } from 'pino';
import type { SliceRecord } from '../../catalog/slices.js';
import { ChecksumMismatch, SliceChainBroken } from '../../errors/domain-errors.js';
import { decodeOrdered, tsToString } from '../../lib/bson.js';
import { OplogApplier, type ApplierState, type ApplyResult, type TargetNs } from '../apply/index.js';

export interface ReplayOptions {
  target: MongoClient;
  /** Source namespace to target namespace, or null to leave its entries out. */
  mapNamespace: (ns: string) => TargetNs | null;
  /** The applier state saved where `afterTs` is (open transactions, collection UUIDs), if known. */
  state?: ApplierState;
  /** The chain, in capture order (SliceCatalog.oplogBetween), starting at `afterTs`. */
  slices: SliceRecord[];
  read: (rec: SliceRecord) => Promise<Uint8Array[]>;
  /** The position the target is at: the first slice's prevTs. */
  afterTs: Timestamp;
  /** Leave out entries with a ts after this (inclusive bound); whole slices when absent. */
  upTo?: Timestamp;
  /** Throw SliceChainBroken at a hole instead of applying past it (restore; the head checks coverage apart). */
  requireChain?: boolean;
  /** Stop at the first slice boundary past this time (ms since epoch); at least one slice is applied. */
  deadline?: number;
  signal?: AbortSignal;
  /** Sees each slice's entries as they are applied (decoded, bound applied), e.g. to follow index drops. */
  onEntries?: (entries: Document[]) => void;
  onProgress?: (p: { slices: number; entries: number }) => void;
  logger?: Logger;
}

/** The last operation applied: its ts and source namespace. */
export interface AppliedOp {
  ts: Timestamp;
  ns: string;
}

export interface ReplayOutcome {
  /** Slices read. */
  slices: number;
  /** Entries handed to the applier. */
  entries: number;
  /** Entries the bound left out (ts after `upTo`). */
  leftOut: number;
  /** Entries of overlapping slices at or before the running maximum: already applied, not again. */
  overlapped: number;
  /** The running maximum ts after the last slice read (the next call's `afterTs`). */
  through: Timestamp;
  /** The applied entry with the greatest ts (no-ops aside), if any. */
  last?: AppliedOp;
  missing: ApplyResult['missing'];
  failures: Array<ApplyResult['indexFailures'][number] | ApplyResult['commandFailures'][number]>;
  /** The applier's state where `through` is, for a caller that persists it. */
  state: ApplierState;
}

/**
 * Replays `slices` in order onto the target.
 * @throws SliceChainBroken (with `requireChain`) naming the slice after a hole
 * @throws ChecksumMismatch when a slice holds another number of entries than its record says
 */
export async function replaySlices(o: ReplayOptions): Promise<ReplayOutcome> {
  const applier = new OplogApplier(o.target, {
    mapNamespace: o.mapNamespace,
    state: o.state,
    logger: o.logger,
  });
  const out: ReplayOutcome = {
    slices: 0,
    entries: 0,
    leftOut: 0,
    overlapped: 0,
    through: o.afterTs,
    missing: [],
    failures: [],
    state: applier.state(),
  };
  // The next slice is read and decoded while this one's writes are out; its errors surface at its turn.
  let next = readAhead(o, 0);
  for (const [k, rec] of o.slices.entries()) {
    o.signal?.throwIfAborted();
    if (out.slices > 0 && o.deadline !== undefined && Date.now() >= o.deadline) break;
    if (o.requireChain === true && rec.prevTs!.gt(out.through)) {
      throw new SliceChainBroken(
        `oplog slice '${rec._id}' starts after ${tsToString(rec.prevTs!)}, but the slices before it end at ${tsToString(out.through)}: entries in between are missing`,
        { details: { slice: rec._id } },
      );
    }
    const entries = await next!;
    next = readAhead(o, k + 1);
    if (entries.length !== rec.count) {
      throw new ChecksumMismatch(
        `oplog slice '${rec._id}' holds ${entries.length} entries, its record says ${rec.count}`,
        { details: { slice: rec._id } },
      );
    }
    const fresh = afterOverlap(rec, entries, out, o.logger);
    const kept = o.upTo === undefined ? fresh : fresh.filter((e) => !(e.ts as Timestamp).gt(o.upTo!));
    const res = await applier.apply(kept);
    o.onEntries?.(kept);
    record(out, rec, kept, fresh.length - kept.length, res, o.logger);
    o.onProgress?.({ slices: out.slices, entries: out.entries });
  }
  out.state = applier.state();
  return out;
}

/** A slice's entries past what the replay already applied: all of them, unless the slice overlaps. */
function afterOverlap(
  rec: SliceRecord,
  entries: Document[],
  out: ReplayOutcome,
  logger?: Logger,
): Document[] {
  if (!rec.prevTs!.lt(out.through)) return entries;
  const fresh = entries.filter((e) => (e.ts as Timestamp).gt(out.through));
  out.overlapped += entries.length - fresh.length;
  logger?.warn(
    {
      slice: rec._id,
      prevTs: tsToString(rec.prevTs!),
      through: tsToString(out.through),
      repeated: entries.length - fresh.length,
    },
    'an oplog slice overlaps entries already applied: only its later entries are applied',
  );
  return fresh;
}

/** Starts reading slice `k` (undefined past the end); a failure is kept for whoever awaits it, never unhandled. */
function readAhead(o: ReplayOptions, k: number): Promise<Document[]> | undefined {
  const rec = o.slices[k];
  if (rec === undefined) return undefined;
  // decodeOrdered, not decodeRaw: an entry's document keeps its field order (integer-like names too).
  const reading = Promise.resolve(rec)
    .then(o.read)
    .then((raw) => raw.map(decodeOrdered));
  reading.catch(() => undefined);
  return reading;
}

function record(
  out: ReplayOutcome,
  rec: SliceRecord,
  kept: Document[],
  leftOut: number,
  res: ApplyResult,
  logger?: Logger,
): void {
  out.slices += 1;
  out.entries += kept.length;
  out.leftOut += leftOut;
  if (rec.lastTs!.gt(out.through)) out.through = rec.lastTs!;
  for (const e of kept) {
    const ts = e.ts as Timestamp;
    if (e.op !== 'n' && (out.last === undefined || ts.gt(out.last.ts))) out.last = { ts, ns: String(e.ns) };
  }
  out.missing.push(...res.missing);
  // What the target cannot do (an index option, a collMod) is reported, never skipped silently.
  for (const f of [...res.indexFailures, ...res.commandFailures]) {
    logger?.warn({ failure: f, slice: rec._id }, 'the target refused part of an oplog entry');
    out.failures.push(f);
  }
}
