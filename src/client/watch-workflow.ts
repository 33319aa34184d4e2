/**
 * Waits for a workflow (and the runs it continues as) to end and says how: completed, failed with which
 * failure type, message and details, cancelled, terminated or timed out. The job watches its follow this
 * way, because the follow outlives the job's continue-as-new and a new run cannot await an old run's child.
 */
import {
  ApplicationFailure,
  CancelledFailure,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { FollowOutcome } from '../contracts/job.js';

export async function watchWorkflow(client: Client, workflowId: string, signal: AbortSignal): Promise<FollowOutcome> {
  try {
    await client.withAbortSignal(signal, () => client.workflow.getHandle(workflowId).result());
    return { status: 'completed' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'missing' };
    if (!(err instanceof WorkflowFailedError)) throw err;
    return outcomeOf(err.cause);
  }
}

function outcomeOf(cause: unknown): FollowOutcome {
  if (cause instanceof CancelledFailure) return { status: 'cancelled' };
  if (cause instanceof TerminatedFailure) return { status: 'terminated', message: cause.message };
  if (cause instanceof TimeoutFailure) return { status: 'timed out', message: cause.message };
  // An activity's failure arrives wrapped (ActivityFailure -> ApplicationFailure): find the typed one.
  for (let c: unknown = cause; c instanceof TemporalFailure || c instanceof Error; c = (c as Error).cause) {
    if (c instanceof ApplicationFailure) {
      const details = c.details?.[0];
      return {
        status: 'failed',
        failureType: c.type ?? undefined,
        message: c.message,
        details: typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined,
      };
    }
  }
  return { status: 'failed', message: cause instanceof Error ? cause.message : String(cause) };
}
