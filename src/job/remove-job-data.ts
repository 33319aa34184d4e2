/**
 * What `terminate` deletes (Ops Manager: "Terminate deletes all retained backups"): every snapshot of the
 * job (manifest first, then its record, as groom does), every slice (object, then record), the sync plans
 * and missing-document records, and the head databases. Chunks may be shared with other jobs: last, each
 * store the snapshots used is marked and swept store-wide (src/groom/sweep.ts), which keeps every chunk any
 * other manifest names and never runs beside a snapshot being written. Terminate deletes the job's groom
 * Schedule, so no later groom of this job would sweep them. Idempotent: a retried call finds less to delete.
 *
 * Never beside a restore of the job: the snapshots are first marked `expiring` (src/catalog/snapshots.ts),
 * then the restore leases are read, and while one lives nothing is deleted and the call fails with a
 * retryable error naming the restores; the activity's retry (no attempt limit) calls again until they have
 * released their leases. The marks stay meanwhile, so no new restore of the job starts (holdRestore refuses).
 */
import { setTimeout as pause } from 'node:timers/promises';
import type { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { DEFAULT_SWEEP_TTL_SECONDS, type SweepResult } from '../contracts/snapshot.js';
import { RestoreInProgress } from '../errors/domain-errors.js';
import { StoreLeases } from '../groom/store-leases.js';
import { sweepStore } from '../groom/sweep.js';
import type { BlobStore } from '../store/blob-store.js';
import { dropHeadDatabases } from './head-databases.js';

/** A sweep that found the store busy (another sweep, a snapshot being written) is tried again this often. */
const SWEEP_ATTEMPTS = 3;
const SWEEP_RETRY_MS = 5_000;

export interface RemovedJobData {
  snapshots: number;
  slices: number;
  headDatabases: string[];
  syncs: number;
  /** Per store: the mark and sweep's result (`skipped` with the reason when the store stayed busy). */
  sweeps: Record<string, SweepResult>;
}

export async function removeJobData(o: {
  catalog: Catalog;
  head: MongoClient;
  jobId: string;
  storeOf: (id: string) => BlobStore;
  /** Stores swept even when no snapshot is left in them (the job's snapshot store: a retry after the snapshots went). */
  stores?: string[];
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (p: { snapshots: number; slices: number }) => void;
}): Promise<RemovedJobData> {
  // 0. mark every snapshot, then read the leases: a restore that leases later sees the mark and refuses.
  const snapshots = await o.catalog.snapshots.listAll(o.jobId);
  await o.catalog.snapshots.markExpiring(snapshots.map((s) => s._id), 'terminate');
  const leases = await o.catalog.restoreLeases.live(o.jobId);
  if (leases.length > 0) {
    const restores = leases.map((l) => l._id).sort();
    throw new RestoreInProgress(
      `job '${o.jobId}' is being read by restore ${restores.map((r) => `'${r}'`).join(', ')}: terminate deletes nothing until ${restores.length === 1 ? 'it has' : 'they have'} finished (retried)`,
      { details: { jobId: o.jobId, restores } },
    );
  }
  // 1. snapshots: the manifest, then the record (a crash between leaves a record a retry deletes again).
  for (const s of snapshots) {
    await o.storeOf(s.store).delete(s.manifestKey);
    await o.catalog.snapshots.delete(s._id);
  }
  // 2. slices of every stream (oplog and each sync's collection slices).
  const slices = await o.catalog.slices.keysOfJob(o.jobId);
  for (const [i, s] of slices.entries()) {
    await o.storeOf(s.store).delete(s._id);
    await o.catalog.slices.delete(s._id);
    if (i % 100 === 99) o.onProgress?.({ snapshots: snapshots.length, slices: i + 1 });
  }
  // 3. the sync plans and their missing-document records.
  const syncs = await o.catalog.syncs.deleteJob(o.jobId);
  // 4. the head databases of every sync.
  const headDatabases = await dropHeadDatabases(o.head, o.jobId);
  // 5. chunks: the store-wide mark and sweep of every store the snapshots used, now that their manifests are gone.
  const sweeps: Record<string, SweepResult> = {};
  for (const store of [...new Set([...(o.stores ?? []), ...snapshots.map((s) => s.store)])].sort()) {
    sweeps[store] = await sweepWhenFree(o, store);
  }
  const out = { snapshots: snapshots.length, slices: slices.length, headDatabases, syncs, sweeps };
  o.logger?.info({ jobId: o.jobId, ...out }, 'job data removed');
  return out;
}

/**
 * Sweeps `store` under the sweeper lease, as a groom does, trying again a few times while it is busy. A
 * store still busy is left, with the reason: a snapshot being written there is another job's, whose own
 * groom sweeps the store later. A sweep that fails (another job's manifest unreadable, the lease lost)
 * is reported the same way rather than failing the terminate: the job's data is gone already, and an
 * unswept chunk only costs space.
 */
async function sweepWhenFree(o: { catalog: Catalog; jobId: string; storeOf: (id: string) => BlobStore; signal?: AbortSignal; logger?: Logger }, store: string): Promise<SweepResult> {
  const sweep = () =>
    sweepStore({ store: o.storeOf(store), storeId: store, leases: new StoreLeases(o.catalog), owner: `terminate/${o.jobId}`, ttlMs: DEFAULT_SWEEP_TTL_SECONDS * 1000, signal: o.signal, logger: o.logger }).catch(
      (err: unknown): SweepResult => {
        if (o.signal?.aborted) throw err;
        return { status: 'skipped', reason: `sweep of store '${store}' failed: ${err instanceof Error ? err.message : String(err)}`, manifests: 0, referenced: 0, chunksDeleted: 0, bytesFreed: 0 };
      },
    );
  let result = await sweep();
  for (let attempt = 2; result.status === 'skipped' && attempt <= SWEEP_ATTEMPTS; attempt += 1) {
    await pause(SWEEP_RETRY_MS, undefined, { signal: o.signal });
    result = await sweep();
  }
  if (result.status === 'skipped') o.logger?.warn({ jobId: o.jobId, store, reason: result.reason }, 'terminate left the store unswept');
  return result;
}
