/**
 * What `headwater status` shows of each job: from Temporal (the job's status query, its follow's lag and
 * headroom, its Schedules) and from the catalog (the point-in-time window, the bytes its snapshots and
 * slices hold). Each source can fail on its own: a job whose catalog is unreachable still shows its state,
 * with the error named. Warnings are computed from the current values, not from the follow's history.
 */
import type { Client } from '@temporalio/client';
import type { Catalog } from '../../catalog/catalog.js';
import type { JobListing, JobStatus } from '../../contracts/job.js';
import { NotFound } from '../../errors/domain-errors.js';
import { restoreWindow, windowSummary } from '../../restore/restore-window.js';
import type { JobClient } from '../job-client.js';

export interface JobStatusRow {
  jobId: string;
  source: string;
  state: string;
  condition?: string;
  phase: string;
  captureLagSeconds?: number;
  applyLagSeconds?: number;
  headroomSeconds?: number | null;
  lastSnapshot?: { snapshotId: string; ts: string; ageSeconds?: number };
  /** Restorable whole seconds (one range per unbroken slice chain); [] before the first snapshot. */
  window?: Array<{ firstSecond: string; lastSecond: string }>;
  store?: { snapshots: number; snapshotStoredBytes: number; dataBytes: number; slices: number; sliceStoredBytes: number };
  warnings: string[];
  /** What could not be read (Temporal query or catalog), one line each. */
  errors: string[];
}

export interface StatusOptions {
  /** Warn when the head is this many seconds behind the captured oplog. */
  applyLagWarnSeconds: number;
  /** The deployment's task queue (the configuration's). */
  taskQueue: string;
  /** How long to wait for one job's answer: a job whose workers are all down answers no query. */
  answerWithinMs?: number;
}

/**
 * Every running job of this deployment, in job id order. A namespace may hold other deployments' jobs (on
 * their own task queues, with their own catalogs): only the jobs on the configured task queue are shown.
 */
export async function statusRows(temporal: Client, jobs: JobClient, catalog: Catalog, o: StatusOptions): Promise<JobStatusRow[]> {
  const listed = await jobs.listJobs();
  const queues = await Promise.all(listed.map((l) => temporal.workflow.getHandle(l.workflowId).describe().then((d) => d.taskQueue, () => undefined)));
  const ours = listed.filter((_, i) => queues[i] === o.taskQueue);
  return Promise.all(ours.map((l) => jobRow(jobs, catalog, l, o)));
}

async function jobRow(jobs: JobClient, catalog: Catalog, l: JobListing, o: StatusOptions): Promise<JobStatusRow> {
  const row: JobStatusRow = { jobId: l.jobId, source: l.source, state: l.state, phase: l.phase, warnings: [], errors: [] };
  const within = o.answerWithinMs ?? 8000;
  const [status, window, store] = await Promise.allSettled([
    bounded(jobs.jobStatus(l.jobId), within, 'no answer: is a worker polling its task queue?'),
    bounded(jobWindow(catalog, l.jobId), within, 'no answer from the catalog'),
    bounded(storeUsage(catalog, l.jobId), within, 'no answer from the catalog'),
  ]);
  if (status.status === 'fulfilled') fromStatus(row, status.value, o);
  else row.errors.push(`status: ${oneLine(status.reason)}`);
  if (window.status === 'fulfilled') row.window = window.value;
  else row.errors.push(`window: ${oneLine(window.reason)}`);
  if (store.status === 'fulfilled') row.store = store.value;
  else row.errors.push(`store usage: ${oneLine(store.reason)}`);
  return row;
}

function fromStatus(row: JobStatusRow, s: JobStatus, o: StatusOptions): void {
  Object.assign(row, { state: s.state, condition: s.condition, phase: s.phase, source: s.definition.source });
  if (s.follow !== undefined) {
    row.captureLagSeconds = s.follow.captureLagSeconds;
    row.applyLagSeconds = s.follow.applyLagSeconds;
    row.headroomSeconds = s.follow.headroomSeconds;
    const warnAt = s.definition.headroomWarnSeconds;
    if (s.follow.headroomSeconds !== null && s.follow.headroomSeconds < warnAt) {
      row.warnings.push(`oplog headroom ${s.follow.headroomSeconds} s is below ${warnAt} s: the source oplog may roll over before capture catches up`);
    }
    if (s.follow.applyLagSeconds > o.applyLagWarnSeconds) {
      row.warnings.push(`apply is ${s.follow.applyLagSeconds} s behind capture (warns above ${o.applyLagWarnSeconds} s): the head is not keeping up with the source`);
    }
  }
  if (s.lastSnapshot !== undefined) row.lastSnapshot = { ...s.lastSnapshot, ageSeconds: s.lastSnapshotAgeSeconds };
  const dueSeconds = s.definition.retention.intervalHours * 3600;
  if (s.state === 'Active' && s.lastSnapshotAgeSeconds !== undefined && s.lastSnapshotAgeSeconds > 2 * dueSeconds) {
    row.warnings.push(`the last snapshot is ${s.lastSnapshotAgeSeconds} s old, more than twice the ${s.definition.retention.intervalHours} h interval`);
  }
  if (s.resyncRequired !== undefined) row.warnings.push(s.resyncRequired.message);
  if (s.lastError !== undefined) row.warnings.push(`last error (${s.lastError.type}): ${s.lastError.message}`);
}

/** The restorable seconds; a job without a snapshot has none yet (not an error). */
async function jobWindow(catalog: Catalog, jobId: string): Promise<JobStatusRow['window']> {
  try {
    return windowSummary(await restoreWindow(catalog, jobId)).ranges.map((r) => ({ firstSecond: r.firstSecond, lastSecond: r.lastSecond }));
  } catch (err) {
    if (err instanceof NotFound) return [];
    throw err;
  }
}

/**
 * Bytes the job holds in its stores. Snapshot bytes are the new chunk bytes each retained snapshot added:
 * chunks first stored by a snapshot that was groomed since are not counted, so this is a lower bound.
 */
async function storeUsage(catalog: Catalog, jobId: string): Promise<NonNullable<JobStatusRow['store']>> {
  const [snapshots, slices] = await Promise.all([catalog.snapshots.list(jobId), catalog.slices.usage(jobId)]);
  return {
    snapshots: snapshots.length,
    snapshotStoredBytes: snapshots.reduce((n, s) => n + s.newStoredBytes, 0),
    dataBytes: snapshots.at(-1)?.bytes ?? 0,
    slices: slices.slices,
    sliceStoredBytes: slices.storedBytes,
  };
}

/** The promise, or a rejection naming what did not answer within `ms` (the call itself is abandoned). */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (waited ${ms / 1000} s)`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
