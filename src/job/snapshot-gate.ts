/**
 * Whether a scheduled snapshot may run now: only while the job is Active and following (Ops Manager's
 * "create new snapshots" column). Otherwise the trigger is recorded in the job's event log and skipped,
 * so a Schedule firing at a Stopped job, a job in initial sync or one waiting for a resync writes one
 * event, not a failed workflow per trigger. The input it builds names the job's current sync and head.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { JobDefinition } from '../contracts/job.js';
import { RESYNC_REQUIRED } from '../contracts/job.js';
import type { SnapshotInput } from '../contracts/snapshot.js';

export type SnapshotGate = { run: true; input: SnapshotInput } | { run: false; reason: string };

/** Where the worker finds a job's key: the environment variable HEADWATER_KEY_<ID> (id upper-cased, `.`/`-` as `_`). */
export function keyRefFor(keyId: string): { id: string; env: string } {
  return { id: keyId, env: `HEADWATER_KEY_${keyId.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}` };
}

export function snapshotInputFor(def: JobDefinition, syncNumber: number, requestedAt: string): SnapshotInput {
  return {
    jobId: def.jobId,
    syncNumber,
    head: def.head,
    store: def.store,
    compression: def.compression,
    encryption: def.encryptionKeyId === undefined ? undefined : keyRefFor(def.encryptionKeyId),
    requestedAt,
  };
}

export async function gateSnapshot(catalog: Catalog, jobId: string, requestedAt: string): Promise<SnapshotGate> {
  const job = await catalog.jobs.find(jobId);
  const reason =
    job === undefined
      ? `job '${jobId}' is not in the catalog`
      : job.state !== 'Active'
        ? `job '${jobId}' is ${job.state}`
        : job.condition === RESYNC_REQUIRED
          ? `job '${jobId}' is Active but ${RESYNC_REQUIRED}`
          : undefined;
  if (reason === undefined) return { run: true, input: snapshotInputFor(job!.definition, job!.syncNumber, requestedAt) };
  if (job !== undefined) {
    await catalog.events.append({
      jobId,
      kind: 'snapshot skipped',
      message: `scheduled snapshot at ${requestedAt} skipped: ${reason}`,
      details: { requestedAt, state: job.state },
    });
  }
  return { run: false, reason };
}
