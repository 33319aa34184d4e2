/**
 * Replays captured oplog slices onto a sync's head with the shared applier (batched, idempotent): the
 * chain of slices after `afterTs` whose capture began before `untilTs`, each slice whole and in capture
 * order. Whole slices, not a timestamp filter, so an entry the source made visible late is never dropped.
 * Returns the running-maximum timestamp reached (`through`). Other namespaces are skipped by the mapping.
 * A call may stop early (slice count, deadline); the caller calls again from `through`.
 */
import type { MongoClient, Timestamp } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import { decodeRaw } from '../lib/bson.js';
import { splitNs } from '../lib/namespace.js';
import { ApplierState, OplogApplier } from '../oplog/apply/index.js';
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
  const dbs = new Set([...opts.namespaces].map((ns) => splitNs(ns).db));
  // A transaction may span slices and calls: continue from the state saved where the last call ended.
  const saved = ApplierState.safeParse(
    await opts.catalog.syncs.applierState(opts.jobId, opts.syncNumber, opts.afterTs),
  );
  const applier = new OplogApplier(opts.head, {
    state: saved.success ? saved.data : undefined,
    // Collections created after T0 in a backed-up database belong to the job too.
    mapNamespace: (ns: string) => {
      const { db, coll } = splitNs(ns);
      if (!dbs.has(db) || coll.startsWith('system.')) return null;
      return { db: headDbName(opts.jobId, opts.syncNumber, db), coll };
    },
  });
  const maxSlices = opts.maxSlices ?? Number.POSITIVE_INFINITY;
  const slices = await opts.catalog.slices.oplogAfter(opts.jobId, opts.afterTs, maxSlices);
  let entries = 0;
  let failures = 0;
  let through = opts.afterTs;
  const missing: Array<{ ns: string; _id: unknown }> = [];
  for (const [n, rec] of slices.entries()) {
    if (rec.prevTs!.gte(opts.untilTs)) break;
    if (n > 0 && opts.deadline !== undefined && Date.now() >= opts.deadline) break;
    const docs = (await opts.read(rec)).map(decodeRaw);
    const res = await applier.apply(docs);
    entries += docs.length;
    through = rec.lastTs!;
    missing.push(...res.missing);
    // What the head cannot do (an index option, a collMod) is reported, never skipped silently.
    for (const f of [...res.indexFailures, ...res.commandFailures])
      opts.logger?.warn({ failure: f, slice: rec._id }, 'the head refused part of an oplog entry');
    failures += res.indexFailures.length + res.commandFailures.length;
    opts.onProgress?.({ entries });
  }
  await opts.catalog.syncs.saveApplierState(opts.jobId, opts.syncNumber, through, applier.state());
  return { entries, through, missing, failures };
}
