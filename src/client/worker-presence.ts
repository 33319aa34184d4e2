/**
 * Refuses to start or ask a workflow anything when no worker polls the task queue: without one, Temporal
 * accepts the start and the command waits in silence (about 50 s for a query, for ever for a result).
 * Checked before the call, so a refused command has started nothing and leaves nothing pending.
 */
import type { Client, WorkflowClientInterceptor } from '@temporalio/client';
import { NoWorker } from '../errors/domain-errors.js';

/** A worker long-polls for up to a minute, so a live one has polled within about that, with slack. */
const LIVE_POLL_MS = 90_000;
/** A worker started a moment ago may not have polled yet: look again for this long before refusing. */
const GRACE_MS = 5_000;
/** DescribeTaskQueue's TASK_QUEUE_TYPE_WORKFLOW and TASK_QUEUE_KIND_NORMAL. */
const WORKFLOW_QUEUE = 1;
const NORMAL_KIND = 1;

export interface PollerCheck {
  /** Throws NoWorker when nothing has polled the task queue's workflow tasks lately. */
  assertWorker(): Promise<void>;
}

export function pollerCheck(client: () => Client, taskQueue: string, address: string): PollerCheck {
  let seenAt = 0;
  return {
    async assertWorker() {
      // One positive answer serves the rest of a short command (a start then a query).
      if (Date.now() - seenAt < 10_000) return;
      const deadline = Date.now() + GRACE_MS;
      let last = await lastPoll(client(), taskQueue);
      while (Date.now() - last > LIVE_POLL_MS && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        last = await lastPoll(client(), taskQueue);
      }
      if (Date.now() - last <= LIVE_POLL_MS) {
        seenAt = Date.now();
        return;
      }
      const when = last === 0 ? 'none has polled it lately' : `the last poll was ${Math.round((Date.now() - last) / 1000)} s ago`;
      throw new NoWorker(
        `no worker is polling task queue '${taskQueue}' on temporal at ${address} (${when}): nothing was started; start one with 'npm run worker'`,
      );
    },
  };
}

/** Client interceptor: the poller check before every call that needs a worker to answer. */
export function requireWorker(check: PollerCheck): WorkflowClientInterceptor {
  const checked = async <I, O>(input: I, next: (input: I) => Promise<O>): Promise<O> => {
    await check.assertWorker();
    return next(input);
  };
  return {
    startWithDetails: checked,
    signalWithStart: checked,
    startUpdate: checked,
    startUpdateWithStart: checked,
    query: checked,
  };
}

/** When a worker last polled the task queue's workflow tasks (ms since the epoch; 0 if none is listed). */
export async function lastPoll(c: Client, taskQueue: string): Promise<number> {
  const r = await c.workflowService.describeTaskQueue({
    namespace: c.options.namespace,
    taskQueue: { name: taskQueue, kind: NORMAL_KIND },
    taskQueueType: WORKFLOW_QUEUE,
  });
  return Math.max(0, ...(r.pollers ?? []).map((p) => millis(p.lastAccessTime)));
}

/** A protobuf Timestamp in ms (the SDK's own converter is exported only as deprecated). */
function millis(t: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): number {
  if (t?.seconds == null) return 0;
  const s = typeof t.seconds === 'number' ? t.seconds : t.seconds.toNumber();
  return s * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}
