/**
 * Replays captured oplog slices onto a sync's head (src/oplog/replay): the chain of slices after
 * `afterTs` whose capture began before `untilTs`, each slice whole and in capture order. Whole slices,
 * not a timestamp filter, so an entry the source made visible late is never dropped. Returns the
 * running-maximum timestamp reached (`through`). Other namespaces are skipped by the mapping. A call may
 * stop early (slice count, deadline); the caller calls again from `through`.
 */
import type { MongoClient, Timestamp } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import { splitNs } from '../lib/namespace.js';
import { ApplierState } from '../oplog/apply/index.js';
import { replaySlices } from '../oplog/replay/replay-slices.js';
import { headDbName } from './head-names.js';

export async function applyOplogRange(opts: {
  jobId: string;
  syncNumber: number;
  namespaces: Set<string>;
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
  const slices = await opts.catalog.slices.oplogBetween(opts.jobId, opts.afterTs, opts.untilTs, opts.maxSlices ?? 0);
  const res = await replaySlices({
    target: opts.head,
    mapNamespace: headMapping(opts.jobId, opts.syncNumber, opts.namespaces),
    state: saved.success ? saved.data : undefined,
    slices,
    read: opts.read,
    afterTs: opts.afterTs,
    deadline: opts.deadline,
    onProgress: opts.onProgress,
  });
  for (const f of res.failures) opts.logger?.warn({ failure: f }, 'the head refused part of an oplog entry');
  await opts.catalog.syncs.saveApplierState(opts.jobId, opts.syncNumber, res.through, res.state);
  return { entries: res.entries, through: res.through, missing: res.missing, failures: res.failures.length };
}

/** Collections created after T0 in a backed-up database belong to the job too; system collections never. */
function headMapping(jobId: string, syncNumber: number, namespaces: Set<string>) {
  const dbs = new Set([...namespaces].map((ns) => splitNs(ns).db));
  return (ns: string) => {
    const { db, coll } = splitNs(ns);
    if (!dbs.has(db) || coll.startsWith('system.')) return null;
    return { db: headDbName(jobId, syncNumber, db), coll };
  };
}
