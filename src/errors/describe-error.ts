/**
 * Turns whatever a command threw into what a person is told: one line and an exit code (2 refused, 1
 * failed). Domain errors speak for themselves; a failed workflow or update is unwrapped to the
 * ApplicationFailure inside it (its own type and message, not "Workflow execution failed"); a Temporal
 * server that cannot be reached is named with its address and how to start it.
 */
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { HeadwaterError } from './domain-errors.js';
import { EXIT_FAILED, EXIT_REFUSED, exitCodeOf } from './exit-codes.js';

export interface Described {
  type?: string;
  message: string;
  code: number;
}

/** @param temporalAddress the configured server address, for the hint when it cannot be reached */
export function describeError(err: unknown, temporalAddress?: () => string | undefined): Described {
  if (err instanceof HeadwaterError) return { type: err.type, message: err.message, code: exitCodeOf(err.type) };
  if (err instanceof WorkflowFailedError || err instanceof WorkflowUpdateFailedError) return fromFailure(err);
  if (err instanceof WorkflowNotFoundError) return { type: 'NotFound', message: `workflow '${err.workflowId}' is not known to temporal`, code: EXIT_REFUSED };
  const e = err instanceof Error ? err : new Error(String(err));
  if (isTemporalUnreachable(e)) {
    const at = temporalAddress?.() ?? 'the configured address';
    return { type: 'ServiceUnavailable', message: `unable to connect to temporal at ${at} (${e.message}): start it with 'npm run services -- up temporal'`, code: EXIT_FAILED };
  }
  // Refusals thrown by client modules as plain errors carry their type and a `refused` flag.
  const typed = e as Error & { type?: unknown; refused?: unknown };
  if (typeof typed.type === 'string') {
    const code = typed.refused === true ? EXIT_REFUSED : exitCodeOf(typed.type);
    return { type: typed.type, message: e.message, code };
  }
  return { message: e.message, code: EXIT_FAILED };
}

/** The first typed ApplicationFailure in the cause chain, else the innermost cause's message. */
function fromFailure(err: Error): Described {
  let innermost: Error = err;
  for (let c: unknown = err.cause; c instanceof Error; c = c.cause) {
    if (c instanceof ApplicationFailure && c.type) return { type: c.type, message: `${c.message} (${c.type})`, code: exitCodeOf(c.type) };
    innermost = c;
  }
  return { message: innermost.message, code: EXIT_FAILED };
}

/** The client's connect failures: grpc's deadline, or the SDK's wrapper around the first call. */
function isTemporalUnreachable(e: Error): boolean {
  return /^Failed to connect (before the deadline|to Temporal server)/.test(e.message) || (e.name === 'TransportError' && /connect/i.test(e.message));
}
