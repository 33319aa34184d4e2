/**
 * A restore's hold on its job's storage (src/catalog/restore-leases.ts): taken after planning, renewed
 * while the restore works, released at its end. Groom reads leases before it deletes anything, so once
 * `holdRestore` returns, the snapshot is still listed and neither it nor the slices after it go away
 * while the lease lives. A lease taken after a groom already dropped the snapshot is caught here (NotFound),
 * and so is a lease that lapsed while the restore worked (`keepRestore`): groom may have run meanwhile.
 */
import type { Catalog } from '../catalog/catalog.js';
import { NotFound } from '../errors/domain-errors.js';
import { tsFromString } from '../lib/bson.js';
import type { RestorePlan } from './plan-restore.js';

/**
 * Leases the plan's snapshot and slices for `ttlMs` (renew with `catalog.restoreLeases.renew`).
 * @throws NotFound when the snapshot left the catalog since the plan was made (plan again)
 */
export async function holdRestore(catalog: Catalog, restoreId: string, plan: RestorePlan, ttlMs: number): Promise<void> {
  await catalog.restoreLeases.acquire({ _id: restoreId, jobId: plan.jobId, snapshotId: plan.snapshotId, fromTs: tsFromString(plan.snapshotTs) }, ttlMs);
  if ((await catalog.snapshots.find(plan.snapshotId)) === undefined) {
    await catalog.restoreLeases.release(restoreId);
    throw new NotFound(`snapshot '${plan.snapshotId}' left the catalog before restore '${restoreId}' could hold it (groomed): plan the restore again`);
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
