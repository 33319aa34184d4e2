/**
 * Which failure types are refusals: the request was refused before anything changed, and the person must
 * change it (exit 2), as opposed to failures, which broke something and may be retried (exit 1). Pure,
 * like failure-types.ts, so the CLI, the client and the worker all classify the same way.
 */
import type { FailureType } from './failure-types.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_REFUSED = 2;

export const REFUSAL_TYPES: ReadonlySet<string> = new Set<FailureType>([
  'InvalidConfig',
  'ConnectionNotFound',
  'IllegalTransition',
  'NotFound',
  'RestoreOutsideWindow',
  'TargetNotEmpty',
  // Nothing was written and the person must fix the target or its connection; the restore does not retry it.
  'TargetUnreachable',
  'WrongKey',
]);

/** The exit code for a failure of `type` (an unknown or absent type is a failure). */
export function exitCodeOf(type: string | undefined): number {
  return type !== undefined && REFUSAL_TYPES.has(type) ? EXIT_REFUSED : EXIT_FAILED;
}
