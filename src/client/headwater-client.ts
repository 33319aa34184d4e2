/**
 * The typed TypeScript client: starts and inspects Headwater workflows. Inputs are parsed with the same
 * schemas the workflows use, before anything is started, so bad input changes nothing.
 */
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import { RestoreInput, type RestoreListing, type RestoreResult, type RestoreStatus } from '../contracts/restore.js';
import { FollowInput, type FollowStatus } from '../contracts/follow.js';
import { InitialSyncInput, type SyncProgress, type SyncResult } from '../contracts/initial-sync.js';
import {
  GroomInput,
  GroomScheduleInput,
  SnapshotInput,
  type GroomResult,
  type GroomSchedule,
  type SnapshotResult,
  type SnapshotStatus,
} from '../contracts/snapshot.js';
import { IllegalTransition } from '../errors/domain-errors.js';
import { TASK_QUEUE, scheduleIds, workflowIds } from '../workflows/ids.js';
import { parse } from './client-input.js';
import { CatalogClient } from './catalog-client.js';
import { JobClient } from './job-client.js';
import { follow } from '../workflows/follow.js';
import { groom } from '../workflows/groom.js';
import { initialSync } from '../workflows/initial-sync.js';
import { followStatusQuery, restoreStatusQuery, snapshotStatusQuery, syncProgressQuery } from '../workflows/messages.js';
import { restore } from '../workflows/restore.js';
import { snapshot } from '../workflows/snapshot.js';
import { JobIdKey, PhaseKey } from '../workflows/search-attributes.js';
import { restoreFailure, untilAccepted } from './restore-failure.js';
import { pollerCheck, requireWorker } from './worker-presence.js';

export class HeadwaterClient {
  private constructor(
    readonly temporal: Client,
    private readonly connection: Connection,
    private readonly taskQueue: string,
  ) {}

  static async connect(opts: {
    address: string;
    namespace?: string;
    taskQueue?: string;
  }): Promise<HeadwaterClient> {
    const connection = await Connection.connect({ address: opts.address, connectTimeout: 5000 });
    const taskQueue = opts.taskQueue ?? TASK_QUEUE;
    // Every start, update and query first checks that a worker polls the task queue (worker-presence.ts).
    const check = pollerCheck(() => client, taskQueue, opts.address);
    const client: Client = new Client({
      connection,
      namespace: opts.namespace ?? 'default',
      interceptors: { workflow: [requireWorker(check)] },
    });
    return new HeadwaterClient(client, connection, taskQueue);
  }

  /** Starts an initial sync; returns its workflow id. */
  async startInitialSync(input: InitialSyncInput): Promise<string> {
    const p = parse(InitialSyncInput, input, 'initial sync input');
    const workflowId = workflowIds.initialSync(p.jobId, p.syncNumber);
    await this.temporal.workflow.start(initialSync, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [p],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return workflowId;
  }

  async syncProgress(jobId: string, syncNumber = 1): Promise<SyncProgress> {
    return this.temporal.workflow
      .getHandle<typeof initialSync>(workflowIds.initialSync(jobId, syncNumber))
      .query(syncProgressQuery);
  }

  async syncResult(jobId: string, syncNumber = 1): Promise<SyncResult> {
    return this.temporal.workflow.getHandle<typeof initialSync>(workflowIds.initialSync(jobId, syncNumber)).result();
  }

  /** Starts following the oplog after a completed initial sync. */
  async startFollow(input: FollowInput): Promise<string> {
    const p = parse(FollowInput, input, 'follow input');
    const workflowId = workflowIds.tail(p.jobId);
    await this.temporal.workflow.start(follow, { taskQueue: this.taskQueue, workflowId, args: [p] });
    return workflowId;
  }

  async followStatus(jobId: string): Promise<FollowStatus> {
    return this.temporal.workflow.getHandle<typeof follow>(workflowIds.tail(jobId)).query(followStatusQuery);
  }

  /**
   * Starts a snapshot of a job's head; `requestedAt` (default: now, as "<seconds>.0") names the workflow
   * `job/<jobId>/snapshot/<requestedAt>`. Returns the workflow id.
   */
  async startSnapshot(input: Omit<SnapshotInput, 'requestedAt'> & { requestedAt?: string }): Promise<string> {
    const p = parse(
      SnapshotInput,
      { ...input, requestedAt: input.requestedAt ?? `${Math.floor(Date.now() / 1000)}.0` },
      'snapshot input',
    );
    const workflowId = workflowIds.snapshot(p.jobId, p.requestedAt);
    try {
      await this.temporal.workflow.start(snapshot, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [p],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      // The id names the second it was asked for: a second request in that second would be the same snapshot.
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new IllegalTransition(`a snapshot of job '${p.jobId}' was already requested at ${p.requestedAt} (workflow '${workflowId}'): ask again in a second`, { cause: err });
      }
      throw err;
    }
    return workflowId;
  }

  /** Waits for a snapshot workflow started by `startSnapshot` and returns its result. */
  async snapshotResult(workflowId: string): Promise<SnapshotResult> {
    return this.temporal.workflow.getHandle<typeof snapshot>(workflowId).result();
  }

  async snapshotStatus(workflowId: string): Promise<SnapshotStatus> {
    return this.temporal.workflow.getHandle<typeof snapshot>(workflowId).query(snapshotStatusQuery);
  }

  /** Starts a groom of a job (`job/<jobId>/groom`): retention, then mark and sweep. Returns the workflow id. */
  async startGroom(input: GroomInput): Promise<string> {
    const p = parse(GroomInput, input, 'groom input');
    const workflowId = workflowIds.groom(p.jobId);
    await this.temporal.workflow.start(groom, { taskQueue: this.taskQueue, workflowId, args: [p] });
    return workflowId;
  }

  async groomResult(jobId: string): Promise<GroomResult> {
    return this.temporal.workflow.getHandle<typeof groom>(workflowIds.groom(jobId)).result();
  }

  /**
   * Creates the job's groom Schedule (`job/<jobId>/groom`), or replaces its interval and input when it
   * exists. A groom still running when the next is due makes the Schedule skip that one (overlap SKIP),
   * and runs missed while Temporal was down are not made up beyond one (the next groom covers them).
   */
  async scheduleGroom(input: GroomScheduleInput): Promise<GroomSchedule> {
    const { every, ...groomInput } = parse(GroomScheduleInput, input, 'groom schedule');
    const scheduleId = scheduleIds.groom(groomInput.jobId);
    const spec = { intervals: [{ every }] };
    const action: ScheduleOptionsAction = {
      type: 'startWorkflow',
      workflowType: groom,
      taskQueue: this.taskQueue,
      workflowId: workflowIds.groom(groomInput.jobId),
      args: [groomInput],
    };
    const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' };
    try {
      await this.temporal.schedule.create({ scheduleId, spec, action, policies });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await this.temporal.schedule
        .getHandle(scheduleId)
        .update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
    }
    return (await this.groomSchedule(groomInput.jobId))!;
  }

  /** The job's groom Schedule, or undefined when it has none. */
  async groomSchedule(jobId: string): Promise<GroomSchedule | undefined> {
    try {
      const d = await this.temporal.schedule.getHandle(scheduleIds.groom(jobId)).describe();
      return {
        scheduleId: d.scheduleId,
        everyMs: d.spec.intervals?.[0]?.every ?? 0,
        paused: d.state.paused,
        nextRuns: d.info.nextActionTimes,
        recentRuns: d.info.recentActions.map((a) => ({
          workflowId: a.action.workflow.workflowId,
          scheduledAt: a.scheduledAt,
        })),
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }

  /** Runs the job's scheduled groom now, as the Schedule would (skipped if one is running). */
  async triggerGroom(jobId: string): Promise<void> {
    await this.temporal.schedule.getHandle(scheduleIds.groom(jobId)).trigger();
  }

  /** Deletes the job's groom Schedule; false when it had none. Grooms already started run to their end. */
  async unscheduleGroom(jobId: string): Promise<boolean> {
    try {
      await this.temporal.schedule.getHandle(scheduleIds.groom(jobId)).delete();
      return true;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Starts a restore (`restore/<restoreId>`; a restore id is made up when none is given) and waits until it
   * is past its refusals (planning and preparing the target), so a refused restore throws here.
   * @throws InvalidConfig for bad input (nothing started); RestoreFailure when the restore was refused
   */
  async startRestore(input: Omit<RestoreInput, 'restoreId'> & { restoreId?: string }): Promise<{ restoreId: string; workflowId: string }> {
    const restoreId = input.restoreId ?? `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const p = parse(RestoreInput, { ...input, restoreId }, 'restore input');
    const workflowId = workflowIds.restore(p.restoreId);
    const handle = await this.temporal.workflow.start(restore, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [p],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: PhaseKey, value: 'planning' }],
    });
    await untilAccepted(handle);
    return { restoreId: p.restoreId, workflowId };
  }

  /** The restore's phase and progress. @throws RestoreFailure (refused) for an unknown restore id */
  async restoreStatus(restoreId: string): Promise<RestoreStatus> {
    try {
      return await this.temporal.workflow.getHandle<typeof restore>(workflowIds.restore(restoreId)).query(restoreStatusQuery);
    } catch (err) {
      throw restoreFailure(err);
    }
  }

  /** Waits for the restore's end. @throws RestoreFailure with the failure's type and message */
  async restoreResult(restoreId: string): Promise<RestoreResult> {
    try {
      return await this.temporal.workflow.getHandle<typeof restore>(workflowIds.restore(restoreId)).result();
    } catch (err) {
      throw restoreFailure(err);
    }
  }

  /** Restores known to Temporal, newest first, with the phase their search attribute shows. */
  async listRestores(limit = 100): Promise<RestoreListing[]> {
    const out: RestoreListing[] = [];
    for await (const w of this.temporal.workflow.list({ query: `WorkflowType = '${restore.name}'`, pageSize: limit })) {
      out.push({
        restoreId: w.workflowId.replace(/^restore\//, ''),
        workflowId: w.workflowId,
        status: w.status.name,
        phase: w.typedSearchAttributes.get(PhaseKey),
        jobId: w.typedSearchAttributes.get(JobIdKey),
        startTime: w.startTime,
        closeTime: w.closeTime,
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Backup jobs: create, start, stop, restart, terminate, resync, status, list (job-client.ts). */
  get jobs(): JobClient {
    return new JobClient(this.temporal, this.taskQueue);
  }

  /** The catalog and the stores, read by a worker: status figures, snapshot list and verify, rebuild, export (catalog-client.ts). */
  get catalog(): CatalogClient {
    return new CatalogClient(this.temporal, this.taskQueue);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
