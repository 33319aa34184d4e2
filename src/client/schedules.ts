/**
 * A job's Temporal Schedules: its snapshot Schedule (every `retention.intervalHours`, starting the
 * scheduled-snapshot workflow) and its groom Schedule (same interval, retention then mark and sweep). Both
 * skip a run while the previous one still runs, and make up at most one run missed while Temporal was down.
 * Used by the job's activities (a transition and its Schedule change are one durable, retried step) and
 * readable by the client. Groom Schedules made by `HeadwaterClient.scheduleGroom` have the same shape.
 */
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import type { JobDefinition } from '../contracts/job.js';
import { GroomInput } from '../contracts/snapshot.js';
import { groom } from '../workflows/groom.js';
import { scheduleIds, workflowIds } from '../workflows/ids.js';
import { scheduledSnapshot } from '../workflows/scheduled-snapshot.js';

const POLICIES = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' } as const;

export interface ScheduleState {
  scheduleId: string;
  everyMs: number;
  paused: boolean;
  note: string;
  nextRuns: Date[];
  recentRuns: { workflowId: string; scheduledAt: Date }[];
}

/** A short-lived client (activities call this rarely; nothing stays open for the worker's shutdown). */
export async function withTemporalClient<T>(opts: { address: string; namespace: string }, fn: (c: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: opts.address, connectTimeout: 5000 });
  try {
    return await fn(new Client({ connection, namespace: opts.namespace }));
  } finally {
    await connection.close();
  }
}

function jobActions(job: JobDefinition, taskQueue: string): Array<{ scheduleId: string; action: ScheduleOptionsAction }> {
  const groomInput = GroomInput.parse({ jobId: job.jobId, store: job.store, policy: job.retention });
  return [
    {
      scheduleId: scheduleIds.snapshot(job.jobId),
      action: { type: 'startWorkflow', workflowType: scheduledSnapshot, taskQueue, workflowId: workflowIds.scheduledSnapshot(job.jobId), args: [{ jobId: job.jobId }] },
    },
    {
      scheduleId: scheduleIds.groom(job.jobId),
      action: { type: 'startWorkflow', workflowType: groom, taskQueue, workflowId: workflowIds.groom(job.jobId), args: [groomInput] },
    },
  ];
}

/** Creates the job's two Schedules, or updates their interval and input; leaves them running (unpaused). */
export async function upsertJobSchedules(client: Client, job: JobDefinition, taskQueue: string): Promise<void> {
  const spec = { intervals: [{ every: Math.round(job.retention.intervalHours * 3_600_000) }] };
  for (const { scheduleId, action } of jobActions(job, taskQueue)) {
    try {
      await client.schedule.create({ scheduleId, spec, action, policies: POLICIES, state: { note: 'job started' } });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      const handle = client.schedule.getHandle(scheduleId);
      // Unpaused within the same update: a separate unpause could be applied before it and then undone.
      await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...POLICIES }, state: { ...prev.state, paused: false, note: 'job started' } }));
    }
  }
}

/** Pauses (stop) or resumes (restart) the job's Schedules; a missing one is not an error. Returns how many. */
export async function pauseJobSchedules(client: Client, jobId: string, paused: boolean, note: string): Promise<number> {
  let n = 0;
  for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) {
    const handle = client.schedule.getHandle(id);
    try {
      await (paused ? handle.pause(note) : handle.unpause(note));
      n += 1;
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return n;
}

/** Deletes the job's Schedules (runs already started go on to their end); returns how many existed. */
export async function deleteJobSchedules(client: Client, jobId: string): Promise<number> {
  let n = 0;
  for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) {
    try {
      await client.schedule.getHandle(id).delete();
      n += 1;
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return n;
}

/** The job's Schedules as Temporal has them (absent ones are left out). */
export async function describeJobSchedules(client: Client, jobId: string): Promise<{ snapshot?: ScheduleState; groom?: ScheduleState }> {
  const [snapshot, groomState] = await Promise.all([describe(client, scheduleIds.snapshot(jobId)), describe(client, scheduleIds.groom(jobId))]);
  return { snapshot, groom: groomState };
}

async function describe(client: Client, scheduleId: string): Promise<ScheduleState | undefined> {
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    return {
      scheduleId,
      everyMs: d.spec.intervals?.[0]?.every ?? 0,
      paused: d.state.paused,
      note: d.state.note ?? '',
      nextRuns: d.info.nextActionTimes,
      recentRuns: d.info.recentActions.map((a) => ({ workflowId: a.action.workflow.workflowId, scheduledAt: a.scheduledAt })),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}
