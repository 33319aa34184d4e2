/**
 * Replays captured oplog slices onto a sync's head (src/oplog/replay): the chain of slices after
 * `afterTs` whose capture began before `untilTs`, each slice whole and in capture order. Whole slices,
 * not a timestamp filter, so an entry the source made visible late is never dropped. Returns the
 * running-maximum timestamp reached (`through`). A call may stop early (slice count, deadline); the
 * caller calls again from `through`.
 *
 * Which namespaces reach the head: with the sync's namespace filter, exactly those it keeps, also in a
 * database created after the sync (recorded as followed, so snapshots list it); without one (syncs
 * planned before the filter was recorded), every collection of a planned database, as before.
 */
import type { MongoClient, Timestamp } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import { splitNs } from '../lib/namespace.js';
import { ApplierState, type TargetNs } from '../oplog/apply/index.js';
import { replaySlices } from '../oplog/replay/replay-slices.js';
import type { NamespaceFilter } from '../source/namespace-filter.js';
import { headDbName } from './head-names.js';

export async function applyOplogRange(opts: {
  jobId: string;
  syncNumber: number;
  namespaces: Set<string>;
  /** The sync's filter; when absent, the planned databases decide (older syncs). */
  filter?: NamespaceFilter;
  head: MongoClient;
  catalog: Catalog;
  read: (rec: SliceRecord) => Promise<Uint8Array[]>;
  afterTs: Timestamp;
  untilTs: Timestamp;
  /** Stop after this many slices, or at the first slice boundary past `deadline` (ms since epoch). */
  maxSlices?: number;
  deadline?: number;
  onProgress?: (p: { entries: number }) => void;
  logger?: { warn: (obj: object, msg: string) => void };
}): Promise<{
  entries: number;
  through: Timestamp;
  missing: Array<{ ns: string; _id: unknown }>;
  failures: number;
}> {
  // A transaction may span slices and calls: continue from the state saved where the last call ended.
  const saved = ApplierState.safeParse(
    await opts.catalog.syncs.applierState(opts.jobId, opts.syncNumber, opts.afterTs),
  );
  const chain = { jobId: opts.jobId, syncNumber: opts.syncNumber };
  const slices = await opts.catalog.slices.oplogBetween(chain, opts.afterTs, opts.untilTs, opts.maxSlices ?? 0);
  const planned = new Set([...opts.namespaces].map((ns) => splitNs(ns).db));
  const followed = new Set<string>();
  const res = await replaySlices({
    target: opts.head,
    mapNamespace: headMapping(opts, planned, followed),
    state: saved.success ? saved.data : undefined,
    slices,
    read: opts.read,
    afterTs: opts.afterTs,
    deadline: opts.deadline,
    onProgress: opts.onProgress,
  });
  for (const f of res.failures) opts.logger?.warn({ failure: f }, 'the head refused part of an oplog entry');
  // Before the state is saved: a crash in between re-applies the call, which records them again.
  await opts.catalog.syncs.addFollowedDbs(opts.jobId, opts.syncNumber, [...followed].sort());
  await opts.catalog.syncs.saveApplierState(opts.jobId, opts.syncNumber, res.through, res.state);
  return { entries: res.entries, through: res.through, missing: res.missing, failures: res.failures.length };
}

/**
 * Source namespace to head namespace. `<db>.$cmd` (a database-wide command) maps when any collection of
 * the database may be kept. Databases outside the plan that the filter keeps are added to `followed`.
 */
function headMapping(
  o: { jobId: string; syncNumber: number; filter?: NamespaceFilter },
  planned: Set<string>,
  followed: Set<string>,
): (ns: string) => TargetNs | null {
  return (ns) => {
    const { db, coll } = splitNs(ns);
    if (!keeps(o.filter, planned, db, coll)) return null;
    if (!planned.has(db)) followed.add(db);
    return { db: headDbName(o.jobId, o.syncNumber, db), coll };
  };
}

function keeps(filter: NamespaceFilter | undefined, planned: Set<string>, db: string, coll: string): boolean {
  if (filter === undefined) return planned.has(db) && !coll.startsWith('system.');
  return coll === '$cmd' ? filter.mayMatchDb(db) : filter.matches(`${db}.${coll}`);
}
