/**
 * How a restore's failure reaches a person: the workflow's non-retryable ApplicationFailure, unwrapped to
 * its type and message, marked `refused` when it means "nothing was written, change the request" (an
 * unknown snapshot, a time outside the window, a target not empty), which the CLI exits 2 for.
 */
import { ApplicationFailure, WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { RestoreStatus } from '../contracts/restore.js';
import { REFUSAL_TYPES } from '../errors/exit-codes.js';
import { restoreStatusQuery } from '../workflows/messages.js';

export class RestoreFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
    /** Refused before anything was written: the request must change, not be retried. */
    readonly refused: boolean,
  ) {
    super(message);
    this.name = 'RestoreFailure';
  }
}

/** The failure a restore workflow ended with, as a RestoreFailure; anything else is returned as it is. */
export function restoreFailure(err: unknown): unknown {
  if (err instanceof WorkflowNotFoundError) return new RestoreFailure('NotFound', `restore workflow '${err.workflowId}' is not known to temporal`, true);
  if (!(err instanceof WorkflowFailedError)) return err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type) {
    return new RestoreFailure(cause.type, cause.message, REFUSAL_TYPES.has(cause.type));
  }
  return new RestoreFailure('RestoreFailed', cause?.message ?? err.message, false);
}

/** Phases in which a restore may still be refused. */
const REFUSING: ReadonlySet<RestoreStatus['phase']> = new Set(['planning', 'preparing target']);

/**
 * Waits until the restore is past its refusals, or ended. Polls the status query (a restore plans in a
 * second or two); a refusal is thrown as a RestoreFailure. A restore that was accepted and then failed
 * (a damaged chunk, found before the first poll) counts as accepted: its result says how it failed.
 */
export async function untilAccepted(handle: WorkflowHandle, pollMs = 250): Promise<void> {
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') {
      if (status.name === 'COMPLETED') return;
      const failure = restoreFailure(await handle.result().then(() => undefined, (e: unknown) => e));
      if (failure instanceof RestoreFailure && !failure.refused) return;
      throw failure;
    }
    const s = await handle.query(restoreStatusQuery).catch(() => undefined);
    if (s !== undefined && !REFUSING.has(s.phase) && s.phase !== 'failed') return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
