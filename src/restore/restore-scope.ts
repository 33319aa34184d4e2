/**
 * The databases a restore's namespace map covers (its scope), decided in this one place for the plan, the
 * replay and the index build: the databases of the sync plan, of the snapshot, those the head applier
 * followed since (`followedDbs`), and for a point-in-time restore every database the replayed slices write
 * to that the sync's filter keeps. Invariant: a database the job backs up that was created after the
 * snapshot is restored by a replay to a time after its creation, never silently left out.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { SyncRecord } from '../catalog/syncs.js';
import { splitNs } from '../lib/namespace.js';
import type { Manifest } from '../snapshot/manifest.js';
import { NamespaceFilter } from '../source/namespace-filter.js';
import type { RestorePlan } from './plan-restore.js';

/** The sync record of a plan, or undefined (a catalog rebuilt from storage may lack it). */
export async function syncOf(catalog: Catalog, plan: RestorePlan): Promise<SyncRecord | undefined> {
  return catalog.syncs.get(plan.jobId, plan.syncNumber).catch(() => undefined);
}

/**
 * @param replayDbs the databases the entries the replay applies (after the snapshot, up to T) write to
 */
export function restoreScope(sync: SyncRecord | undefined, manifest: Manifest, replayDbs: Iterable<string> = []): Set<string> {
  const dbs = new Set(manifest.collections.map((c) => splitNs(c.ns).db));
  for (const c of sync?.collections ?? []) dbs.add(splitNs(c.ns).db);
  for (const db of sync?.followedDbs ?? []) dbs.add(db);
  // A sync planned before its filter was recorded applied to its planned databases only (as its head did).
  const filter = sync?.filter === undefined ? undefined : new NamespaceFilter(sync.filter);
  if (filter !== undefined) for (const db of replayDbs) if (filter.mayMatchDb(db)) dbs.add(db);
  return dbs;
}
