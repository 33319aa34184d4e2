/**
 * The one mapping from domain errors to Temporal failures. Activities wrap their bodies with it so that
 * errors retrying cannot fix end the workflow at once, with a type and a message a person can act on.
 */
import { ApplicationFailure } from '@temporalio/common';
import { HeadwaterError } from './domain-errors.js';

export function toFailure(err: unknown): unknown {
  if (!(err instanceof HeadwaterError)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: err.details === undefined ? [] : [err.details],
    cause: err.cause instanceof Error ? err.cause : undefined,
  });
}

/** Runs an activity body, rethrowing domain errors as ApplicationFailures. */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toFailure(err);
  }
}
