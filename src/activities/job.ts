/**
 * Activities of the backup job workflow: its catalog record and event log, its Schedules (created,
 * paused, resumed and deleted here, so each transition and its Schedule change are one retried step),
 * the snapshot gate, the data `terminate` deletes, and the watch on its follow child (which outlives the
 * job's continue-as-new). Thin: parse, resolve from deps, call one domain function.
 */
import { Context } from '@temporalio/activity';
import {
  DropHeadsInput,
  JobDefinition,
  JobEventInput,
  JobHealthInput,
  JobRef,
  JobVerifyInput,
  PauseSchedulesInput,
  RecordJobStateInput,
  SnapshotGateInput,
  type FollowOutcome,
  type JobHealthReport,
  type RemovedJobData,
} from '../contracts/job.js';
import { asActivity } from '../errors/to-failure.js';
import { checkJobDefinition } from '../job/check-definition.js';
import { dropHeadDatabases } from '../job/head-databases.js';
import { jobWindow } from '../job/job-window.js';
import { restoreWindow, windowSummary, type WindowSummary } from '../restore/restore-window.js';
import { removeJobData } from '../job/remove-job-data.js';
import { jobCoverage, jobObjects, type JobVerifyResult } from '../job/verify-job.js';
import type { ObjectsReport } from '../oplog/verify-slices.js';
import { gateSnapshot, type SnapshotGate } from '../job/snapshot-gate.js';
import type { Deps } from './deps.js';
import { deleteJobSchedules, pauseJobSchedules, upsertJobSchedules, withTemporalClient } from '../client/schedules.js';
import { watchWorkflow } from '../client/watch-workflow.js';
import { workflowIds } from '../workflows/ids.js';
import { followStatusQuery } from '../workflows/messages.js';
import { cancellationSignal, heartbeat, keepAlive } from './heartbeat.js';

export function createJobActivities(deps: Deps) {
  const temporal = <T>(fn: Parameters<typeof withTemporalClient<T>>[1]) => withTemporalClient(deps.config.temporal, fn);
  return {
    /** Refuses a definition naming a connection, store or key this worker does not have; reads nothing else. */
    async checkJobDefinition(raw: JobDefinition): Promise<void> {
      return asActivity(async () => checkJobDefinition(JobDefinition.parse(raw), { connections: deps.connections, stores: deps.config.stores }));
    },

    /** `job check`: the chain of one sync (the job's current one unless named), from the catalog. */
    async jobCoverage(raw: JobVerifyInput): Promise<Omit<JobVerifyResult, 'objects'>> {
      return asActivity(async () => {
        const p = JobVerifyInput.parse(raw);
        return jobCoverage(deps.catalog, p.jobId, p.syncNumber);
      });
    },

    /** `job check --deep`: re-reads every slice, manifest and snapshot chunk of the job, naming each damaged or missing one. */
    async jobObjects(raw: JobVerifyInput): Promise<ObjectsReport> {
      return asActivity(() =>
        keepAlive(() =>
          jobObjects({ catalog: deps.catalog, storeOf: (id) => deps.store(id), jobId: JobVerifyInput.parse(raw).jobId, signal: cancellationSignal(), onProgress: heartbeat }),
        ),
      );
    },

    /** `restore window`: the job's restorable ranges, computed now from its snapshots and slice chains. */
    async jobRestoreWindow(raw: JobRef): Promise<WindowSummary> {
      return asActivity(async () => windowSummary(await restoreWindow(deps.catalog, JobRef.parse(raw).jobId)));
    },

    /** Saves the definition (a new job is recorded Inactive) and logs it. */
    async saveJob(raw: JobDefinition): Promise<void> {
      return asActivity(async () => {
        const job = JobDefinition.parse(raw);
        const isNew = (await deps.catalog.jobs.find(job.jobId)) === undefined;
        await deps.catalog.jobs.save(job);
        if (isNew) await deps.catalog.events.append({ jobId: job.jobId, kind: 'created', message: `job '${job.jobId}' created for source '${job.source}'` });
      });
    },

    /** Mirrors a transition into the catalog (the scheduled snapshot reads it) and logs why. */
    async recordJobState(raw: RecordJobStateInput): Promise<void> {
      return asActivity(async () => {
        const p = RecordJobStateInput.parse(raw);
        await deps.catalog.jobs.setState(p.jobId, { state: p.state, syncNumber: p.syncNumber, condition: p.condition });
        await deps.catalog.events.append({ jobId: p.jobId, ...p.event });
      });
    },

    async recordJobEvent(raw: JobEventInput): Promise<void> {
      return asActivity(async () => deps.catalog.events.append(JobEventInput.parse(raw)));
    },

    /** Creates or updates the job's snapshot and groom Schedules on this worker's task queue, unpaused. */
    async upsertJobSchedules(raw: JobDefinition): Promise<void> {
      return asActivity(async () => {
        const job = JobDefinition.parse(raw);
        await temporal((c) => upsertJobSchedules(c, job, Context.current().info.taskQueue));
      });
    },

    async pauseJobSchedules(raw: PauseSchedulesInput): Promise<number> {
      return asActivity(async () => {
        const p = PauseSchedulesInput.parse(raw);
        return temporal((c) => pauseJobSchedules(c, p.jobId, p.paused, p.note));
      });
    },

    /**
     * Terminate: Schedules first (nothing new starts), then snapshots, slices, sync records, heads, and a
     * sweep of the job's stores. While a restore of the job holds its lease, removeJobData deletes nothing
     * and fails as RestoreInProgress (retryable): the `long` options retry without an attempt limit, backing
     * off to 30 s, so terminate waits for the restore to finish ("terminating" meanwhile).
     */
    async removeJob(raw: JobDefinition): Promise<RemovedJobData> {
      return asActivity(() => keepAlive(async () => {
        const job = JobDefinition.parse(raw);
        const schedules = await temporal((c) => deleteJobSchedules(c, job.jobId));
        const removed = await removeJobData({
          catalog: deps.catalog,
          head: deps.connections.client(job.head),
          jobId: job.jobId,
          storeOf: (id) => deps.store(id),
          stores: [job.store],
          signal: cancellationSignal(),
          logger: deps.logger,
          onProgress: heartbeat,
        });
        return { ...removed, schedules };
      }));
    },

    /** After a resync completed: the heads of earlier syncs are replaced by the new one. */
    async dropOldHeads(raw: DropHeadsInput): Promise<string[]> {
      return asActivity(async () => {
        const p = DropHeadsInput.parse(raw);
        return dropHeadDatabases(deps.connections.client(p.head), p.jobId, p.keepSyncNumber);
      });
    },

    async snapshotGate(raw: SnapshotGateInput): Promise<SnapshotGate> {
      return asActivity(async () => {
        const p = SnapshotGateInput.parse(raw);
        return gateSnapshot(deps.catalog, p.jobId, p.requestedAt);
      });
    },

    /** The window from the catalog; the headroom the follow measured at its last capture call, while following. */
    async checkJobHealth(raw: JobHealthInput): Promise<JobHealthReport> {
      return asActivity(async () => {
        const p = JobHealthInput.parse(raw);
        const window = await jobWindow(deps.catalog, p.jobId);
        if (!p.following) return { window };
        // The follow may be between runs or just ended: no reading this time, not a failure.
        const status = await temporal((c) => c.workflow.getHandle(workflowIds.tail(p.jobId)).query(followStatusQuery)).catch(() => undefined);
        return { window, headroomSeconds: status?.headroomSeconds ?? undefined };
      });
    },

    /** Waits (heartbeating) until the job's follow workflow ends, and says how. */
    async watchFollow(raw: JobRef): Promise<FollowOutcome> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = JobRef.parse(raw);
          return temporal((c) => watchWorkflow(c, workflowIds.tail(p.jobId), cancellationSignal()));
        }),
      );
    },
  };
}
