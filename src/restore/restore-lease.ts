/**
 * A restore's hold on its job's storage (src/catalog/restore-leases.ts): taken as planning begins, renewed
 * while the restore works, released at its end. Groom and terminate mark a snapshot `expiring` before they
 * read the leases (src/catalog/snapshots.ts), and `holdRestore` writes the lease before it reads the
 * record: either the deleter sees the lease and keeps the snapshot (groom) or waits (terminate), or the
 * restore sees the mark or the missing record and refuses (NotFound). So once `holdRestore` returns,
 * neither the snapshot nor the slices after it go away while the lease lives. A lease that lapsed while the
 * restore worked is caught by `keepRestore`: groom may have run meanwhile.
 */
import type { Catalog } from '../catalog/catalog.js';
import { NotFound } from '../errors/domain-errors.js';
import { tsFromString } from '../lib/bson.js';
import type { RestorePlan } from './plan-restore.js';

/**
 * Leases the plan's snapshot and slices for `ttlMs` (renew with `catalog.restoreLeases.renew`).
 * @throws NotFound when the snapshot left the catalog since the plan was made, or is marked for deletion
 *   by a groom or a terminate, or the plan replays past it and groom is deleting the slices after it (plan again)
 */
export async function holdRestore(catalog: Catalog, restoreId: string, plan: RestorePlan, ttlMs: number): Promise<void> {
  await catalog.restoreLeases.acquire({ _id: restoreId, jobId: plan.jobId, snapshotId: plan.snapshotId, fromTs: tsFromString(plan.snapshotTs) }, ttlMs);
  const refuse = async (message: string): Promise<never> => {
    await catalog.restoreLeases.release(restoreId);
    throw new NotFound(message, { details: { snapshotId: plan.snapshotId, restoreId } });
  };
  const rec = await catalog.snapshots.find(plan.snapshotId);
  if (rec === undefined || rec.expiring !== undefined) {
    const why = rec === undefined ? 'left the catalog' : rec.expiring === 'groom' ? 'is being groomed (expired by retention)' : "is being deleted with its job (terminate)";
    await refuse(`snapshot '${plan.snapshotId}' ${why} before restore '${restoreId}' could hold it: plan the restore again`);
  } else if (rec.oplogCut === true && plan.toTs !== undefined && tsFromString(plan.toTs).gt(rec.ts)) {
    await refuse(`the oplog after snapshot '${plan.snapshotId}' is being groomed (older than the point-in-time window): restore '${restoreId}' cannot replay to ${plan.toTs}; plan the restore again`);
  }
}

/**
 * Renews the restore's lease for `ttlMs`.
 * @throws NotFound when the lease lapsed or is gone: groom may have deleted what it held, so the restore
 *   must not go on (plan it again)
 */
export async function keepRestore(catalog: Catalog, restoreId: string, ttlMs: number): Promise<void> {
  if (await catalog.restoreLeases.renew(restoreId, ttlMs)) return;
  const lease = `restore '${restoreId}' lost its lease on the job's storage (it lapsed or was released)`;
  throw new NotFound(`${lease}: the snapshot or slices it reads may have been groomed since; plan the restore again`, { details: { restoreId } });
}
