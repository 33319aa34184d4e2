/**
 * The client's backup-job methods: create a job (its entity workflow `job/<jobId>`), give it commands
 * (Temporal updates, refused with the state and the allowed commands when illegal), read its status and
 * list jobs. Workflows, updates and queries are named by their definitions, never by strings. Input is
 * parsed before anything is started; a refusal surfaces as a typed domain error.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  BackupJobInput,
  JobChanges,
  JobVerifyInput,
  JobDefinition,
  type JobCommand,
  type JobDefinitionInput,
  type JobListing,
  type JobStatus,
  type JobView,
} from '../contracts/job.js';
import type { FollowStatus } from '../contracts/follow.js';
import type { SyncProgress } from '../contracts/initial-sync.js';
import type { JobVerifyResult } from '../job/verify-job.js';
import type { WindowSummary } from '../restore/restore-window.js';
import { ConnectionNotFound, HeadwaterError, IllegalTransition, InvalidConfig, NotFound } from '../errors/domain-errors.js';
import { FailureTypes, type FailureType } from '../errors/failure-types.js';
import { backupJob } from '../workflows/backup-job.js';
import { workflowIds } from '../workflows/ids.js';
import { jobDefinitionCheck } from '../workflows/job-check.js';
import { jobVerify } from '../workflows/job-verify.js';
import { restoreWindowLookup } from '../workflows/restore-window.js';
import { followStatusQuery, jobCommandUpdates, jobStatusQuery, syncProgressQuery, updateJobUpdate } from '../workflows/messages.js';
import { JobIdKey, PhaseKey, SourceKey, StateKey } from '../workflows/search-attributes.js';
import { describeJobSchedules, type ScheduleState } from './schedules.js';
import { failureIn } from './client-input.js';

/** Test and tuning knobs of the job workflow that are not part of the job's definition. */
export type JobRunOptions = Pick<BackupJobInput, 'continueAsNewAfterEvents' | 'captureSeconds' | 'healthCheckSeconds'>;

export class JobClient {
  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Creates the job, Inactive, and records its definition in the catalog. Refused, with nothing stored, if
   * it exists or if a worker does not have its source or head connection, its stores or its key.
   */
  async createJob(definition: JobDefinitionInput, options: JobRunOptions = {}): Promise<JobView> {
    const r = JobDefinition.safeParse(definition);
    if (!r.success) throw new InvalidConfig(`invalid job definition: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const job = r.data;
    await this.checkDefinition(job);
    try {
      await this.temporal.workflow.start(backupJob, {
        taskQueue: this.taskQueue,
        workflowId: workflowIds.job(job.jobId),
        args: [{ job, ...options }],
        typedSearchAttributes: [
          { key: JobIdKey, value: job.jobId },
          { key: StateKey, value: 'Inactive' },
          { key: PhaseKey, value: 'inactive' },
          { key: SourceKey, value: job.source },
        ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new IllegalTransition(`cannot create job '${job.jobId}': it exists`);
      throw err;
    }
    await this.schedulesMade(job.jobId);
    return this.view(job.jobId);
  }

  /**
   * The job's first run creates its Schedules, paused (job-runner.ts): create replies once they exist, so
   * a caller sees them at once. Bounded: a busy worker makes them later by itself, and start makes them too.
   */
  private async schedulesMade(jobId: string, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const s = await describeJobSchedules(this.temporal, jobId);
      if ((s.snapshot?.paused === true && s.groom?.paused === true) || Date.now() > end) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Connection ids and keys resolve only in a worker: one is asked, before the job's workflow exists. */
  private async checkDefinition(job: JobDefinition): Promise<void> {
    try {
      await this.temporal.workflow.execute(jobDefinitionCheck, { taskQueue: this.taskQueue, workflowId: workflowIds.jobCheck(job.jobId), args: [job] });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new IllegalTransition(`cannot create job '${job.jobId}': another create of it is under way`);
      throw domainError(err, job.jobId);
    }
  }

  startJob = (jobId: string, reason?: string) => this.command(jobId, 'start', reason);
  stopJob = (jobId: string, reason?: string) => this.command(jobId, 'stop', reason);
  restartJob = (jobId: string, reason?: string) => this.command(jobId, 'restart', reason);
  terminateJob = (jobId: string, reason?: string) => this.command(jobId, 'terminate', reason);
  resyncJob = (jobId: string, reason?: string) => this.command(jobId, 'resync', reason);

  /**
   * Gives a command; an illegal one throws IllegalTransition naming the state and the allowed commands.
   * `requestId` is the idempotency key: a retry with the same id gets the first reply, and runs nothing again.
   */
  async command(jobId: string, command: JobCommand, reason?: string, requestId?: string): Promise<JobView> {
    try {
      return await this.temporal.workflow
        .getHandle(workflowIds.job(jobId))
        .executeUpdate(jobCommandUpdates[command], { args: [{ reason }], updateId: requestId });
    } catch (err) {
      throw domainError(err, jobId);
    }
  }

  /**
   * Changes the snapshot interval, bucket counts, window, resync policy or headroom threshold, in any state:
   * the definition is saved, the Schedules rewritten, and the job's headroom warning judged against a new
   * threshold at once. The changes are merged into the current definition; what is not given stays.
   */
  async updateJob(jobId: string, changes: JobChanges, reason?: string): Promise<JobView> {
    const c = JobChanges.safeParse(changes);
    if (!c.success) throw new InvalidConfig(`invalid job update: ${c.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const current = (await this.view(jobId)).definition;
    const { intervalHours, keep, pointInTimeHours, ...rest } = c.data;
    const definition = {
      ...current,
      ...rest,
      retention: {
        intervalHours: intervalHours ?? current.retention.intervalHours,
        pointInTimeHours: pointInTimeHours ?? current.retention.pointInTimeHours,
        keep: { ...current.retention.keep, ...keep },
      },
    };
    try {
      return await this.temporal.workflow.getHandle(workflowIds.job(jobId)).executeUpdate(updateJobUpdate, { args: [{ definition, reason }] });
    } catch (err) {
      throw domainError(err, jobId);
    }
  }

  /**
   * `job check`: asks a worker (which alone reaches the catalog and the stores) whether the chain of one
   * sync is continuous, and with `deep` whether every slice and manifest reads back intact.
   */
  async verifyJob(jobId: string, o: { syncNumber?: number; deep?: boolean } = {}): Promise<JobVerifyResult> {
    const input = JobVerifyInput.safeParse({ jobId, ...o });
    if (!input.success) throw new InvalidConfig(`invalid job check: ${input.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const requestId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      return await this.temporal.workflow.execute(jobVerify, { taskQueue: this.taskQueue, workflowId: workflowIds.jobVerify(jobId, requestId), args: [input.data] });
    } catch (err) {
      throw domainError(err, jobId);
    }
  }

  /** `restore window`: the job's restorable ranges, computed now by a worker from the catalog. */
  async restoreWindow(jobId: string): Promise<WindowSummary> {
    const requestId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      return await this.temporal.workflow.execute(restoreWindowLookup, { taskQueue: this.taskQueue, workflowId: workflowIds.restoreWindow(jobId, requestId), args: [{ jobId }] });
    } catch (err) {
      throw domainError(err, jobId);
    }
  }

  /** The job workflow's own view (state, condition, phase, sync number, last snapshot, window, headroom, counters). */
  async view(jobId: string): Promise<JobView> {
    try {
      return await this.temporal.workflow.getHandle(workflowIds.job(jobId)).query(jobStatusQuery);
    } catch (err) {
      throw domainError(err, jobId);
    }
  }

  /** The view plus the sync's progress or the follow's lag and headroom, the Schedules and the last snapshot's age. */
  async jobStatus(jobId: string): Promise<JobStatus> {
    const view = await this.view(jobId);
    const [sync, follow, schedules] = await Promise.all([
      view.state === 'Initial Sync' ? this.childQuery<SyncProgress>(workflowIds.initialSync(jobId, view.syncNumber), syncProgressQuery) : undefined,
      view.phase === 'following' ? this.childQuery<FollowStatus>(workflowIds.tail(jobId), followStatusQuery) : undefined,
      describeJobSchedules(this.temporal, jobId),
    ]);
    const snapAt = view.lastSnapshot === undefined ? undefined : Number(view.lastSnapshot.ts.split('.')[0]);
    return {
      ...view,
      // During an initial sync, its phase in Ops Manager's words ('transferring', 'applying oplogs', ...).
      phase: sync?.phase ?? view.phase,
      sync,
      follow,
      lastSnapshotAgeSeconds: snapAt === undefined ? undefined : Math.max(0, Math.round(Date.now() / 1000 - snapAt)),
      schedules: { snapshot: summary(schedules.snapshot), groom: summary(schedules.groom) },
    };
  }

  /** Every running job, from Temporal's visibility store (search attributes), by job id. */
  async listJobs(): Promise<JobListing[]> {
    const out: JobListing[] = [];
    for await (const w of this.temporal.workflow.list({ query: `WorkflowType = '${backupJob.name}' AND ExecutionStatus = 'Running'` })) {
      const sa = w.typedSearchAttributes;
      out.push({
        jobId: sa.get(JobIdKey) ?? w.workflowId.replace(/^job\//, ''),
        state: sa.get(StateKey) ?? '',
        phase: sa.get(PhaseKey) ?? '',
        source: sa.get(SourceKey) ?? '',
        workflowId: w.workflowId,
      });
    }
    return out.sort((a, b) => a.jobId.localeCompare(b.jobId));
  }

  /** A child's query; undefined when it has just ended or not yet started (status is read between runs). */
  private async childQuery<T>(workflowId: string, query: Parameters<ReturnType<Client['workflow']['getHandle']>['query']>[0]): Promise<T | undefined> {
    try {
      return (await this.temporal.workflow.getHandle(workflowId).query(query as never)) as T;
    } catch {
      return undefined;
    }
  }
}

function summary(s: ScheduleState | undefined) {
  return s === undefined ? undefined : { scheduleId: s.scheduleId, everyMs: s.everyMs, paused: s.paused, note: s.note, nextRun: s.nextRuns[0] };
}

/** An update's or query's failure as the domain error it carries (IllegalTransition, InvalidConfig, ...). */
function domainError(err: unknown, jobId: string): unknown {
  if (err instanceof WorkflowNotFoundError) return new NotFound(`job '${jobId}' does not exist (create it first)`);
  const cause = err instanceof WorkflowUpdateFailedError || err instanceof WorkflowFailedError ? failureIn(err) : undefined;
  if (cause instanceof ApplicationFailure && cause.type !== null && cause.type !== undefined && cause.type in FailureTypes) {
    const Known = REFUSALS[cause.type];
    return Known === undefined ? new HeadwaterError(cause.type as FailureType, cause.message, { cause: err }) : new Known(cause.message, { cause: err });
  }
  return err;
}

/** The failure types a job command is refused with, as their domain error classes (callers test instanceof). */
const REFUSALS: Record<string, typeof IllegalTransition | undefined> = { IllegalTransition, InvalidConfig, NotFound, ConnectionNotFound };
