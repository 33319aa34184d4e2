/**
 * What `headwater status` shows of each job: from Temporal (the job's status query, its follow's lag and
 * headroom, its Schedules) and from the catalog (the point-in-time window, the bytes its snapshots and
 * slices hold), which a worker reads for the CLI (a `status/<requestId>` workflow: the CLI holds no
 * catalog connection). Each source can fail on its own: a job whose catalog is unreachable still shows its
 * state, with the error named. Warnings are computed from the current values, not from the follow's history.
 */
import type { Client } from '@temporalio/client';
import type { JobListing, JobStatus } from '../../contracts/job.js';
import type { JobFigures } from '../../job/status-figures.js';
import type { CatalogClient } from '../catalog-client.js';
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
  store?: JobFigures['store'];
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
  /** How long to wait for the catalog's figures of every job (a workflow a worker runs): twice answerWithinMs. */
  figuresWithinMs?: number;
}

/**
 * Every running job of this deployment, in job id order. A namespace may hold other deployments' jobs (on
 * their own task queues, with their own catalogs): only the jobs on the configured task queue are shown.
 */
export async function statusRows(temporal: Client, jobs: JobClient, catalog: CatalogClient, o: StatusOptions): Promise<JobStatusRow[]> {
  const listed = await jobs.listJobs();
  const queues = await Promise.all(listed.map((l) => temporal.workflow.getHandle(l.workflowId).describe().then((d) => d.taskQueue, () => undefined)));
  const ours = listed.filter((_, i) => queues[i] === o.taskQueue);
  const within = o.answerWithinMs ?? 8000;
  // One workflow reads every job's figures; the jobs' own queries run beside it.
  const figures = bounded(catalog.statusFigures(ours.map((l) => l.jobId)), o.figuresWithinMs ?? 2 * within, 'no answer from a worker reading the catalog');
  figures.catch(() => undefined); // read by every row below; unhandled only if there is none
  return Promise.all(ours.map((l) => jobRow(jobs, figures, l, o, within)));
}

async function jobRow(jobs: JobClient, figures: Promise<JobFigures[]>, l: JobListing, o: StatusOptions, within: number): Promise<JobStatusRow> {
  const row: JobStatusRow = { jobId: l.jobId, source: l.source, state: l.state, phase: l.phase, warnings: [], errors: [] };
  const [status, all] = await Promise.allSettled([bounded(jobs.jobStatus(l.jobId), within, 'no answer: is a worker polling its task queue?'), figures]);
  if (status.status === 'fulfilled') fromStatus(row, status.value, o);
  else row.errors.push(`status: ${oneLine(status.reason)}`);
  if (all.status === 'fulfilled') {
    const f = all.value.find((j) => j.jobId === l.jobId);
    if (f?.window !== undefined) row.window = f.window;
    if (f?.store !== undefined) row.store = f.store;
    row.errors.push(...(f?.errors ?? []));
  } else {
    row.errors.push(`window: ${oneLine(all.reason)}`, `store usage: ${oneLine(all.reason)}`);
  }
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
