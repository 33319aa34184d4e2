/**
 * Plans a restore from the catalog alone, before anything is read or written: which snapshot, and for a
 * point in time, the bound T the oplog replay goes to. `--snapshot <id>` names the snapshot; `--job <id>
 * --to-time T` takes the latest snapshot at or before T. Invariant: a plan is only made for a T inside the
 * job's window (RestoreOutsideWindow otherwise, with the window in the message), so the chain after the
 * chosen snapshot reaches T without a hole.
 */
import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.js';
import type { SnapshotRecord } from '../catalog/snapshots.js';
import { RestorePlan } from '../contracts/restore.js';
import { NotFound, RestoreOutsideWindow } from '../errors/domain-errors.js';
import { tsToString } from '../lib/bson.js';
import { parseSnapshotRef } from '../snapshot/snapshot-keys.js';
import { parseRestoreTime } from './restore-time.js';
import { describeWindow, restoreWindow, windowHolds } from './restore-window.js';

/** What the caller asks for: a snapshot, or a job and a time. */
export const RestoreSource = z.union([
  z.object({ snapshot: z.string().min(1) }).strict(),
  z.object({ jobId: z.string().min(1), toTime: z.string().min(1) }).strict(),
]);
export type RestoreSource = z.infer<typeof RestoreSource>;

/** The plan's schema lives with the workflow contracts, which carry it. */
export { RestorePlan } from '../contracts/restore.js';

/**
 * @throws InvalidConfig for a malformed snapshot id or time
 * @throws NotFound for an unknown snapshot, or a job without snapshots
 * @throws RestoreOutsideWindow for a time the job cannot restore to (the message gives the window)
 */
export async function planRestore(catalog: Catalog, source: RestoreSource): Promise<RestorePlan> {
  const s = RestoreSource.parse(source);
  if ('snapshot' in s) {
    const ref = parseSnapshotRef(s.snapshot);
    const rec = await catalog.snapshots.find(ref.id);
    if (rec === undefined) throw new NotFound(`snapshot '${s.snapshot}' is not in the catalog`);
    return fromSnapshot(rec);
  }
  const point = parseRestoreTime(s.toTime);
  const window = await restoreWindow(catalog, s.jobId);
  if (!windowHolds(window, point.ts)) {
    throw new RestoreOutsideWindow(
      `restore time '${point.text}' is outside the point-in-time window of job '${s.jobId}': ${describeWindow(window)}`,
      { details: { jobId: s.jobId, window: describeWindow(window) } },
    );
  }
  const base = window.snapshots.filter((r) => !r.ts.gt(point.ts)).at(-1)!;
  return { ...fromSnapshot(base), toTs: tsToString(point.ts), exact: point.exact };
}

function fromSnapshot(rec: SnapshotRecord): RestorePlan {
  return {
    jobId: rec.jobId,
    syncNumber: rec.syncNumber,
    snapshotId: rec._id,
    store: rec.store,
    manifestKey: rec.manifestKey,
    snapshotTs: tsToString(rec.ts),
  };
}
