/**
 * Activity option groups. Long work heartbeats and resumes from its heartbeat; errors that retrying
 * cannot fix (the failure catalogue's non-retryable types) end the workflow at once.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { nonRetryableFailureTypes } from '../errors/failure-types.js';

type Activities = ReturnType<typeof createActivities>;

const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: nonRetryableFailureTypes,
};

/** Short calls: checks, plans, bookkeeping. */
export const quick = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry });

/**
 * A person's lookup (`status`, `snapshot list`): a few tries, then the failure reaches the CLI, which
 * is waiting, instead of retrying for as long as the catalog is down.
 */
export const lookup = proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: { ...retry, maximumAttempts: 3 } });

/** Long, heartbeating work: copy, build, capture, apply, fetch, index builds. */
export const long = proxyActivities<Activities>({
  startToCloseTimeout: '4h',
  heartbeatTimeout: '30s',
  retry,
});

/**
 * Oplog capture: the same, with a shorter heartbeat timeout, because a dead worker stalls capture and
 * capture lag is the backup's RPO. keepAlive beats every 5 s; the SDK sends at most every 12 s (80%).
 */
export const tailing = proxyActivities<Activities>({
  startToCloseTimeout: '4h',
  heartbeatTimeout: '15s',
  retry,
});
