/**
 * The closed catalogue of failure types, each marked retryable or not (after pgBackRest's error.yaml).
 * Pure and sandbox-safe: workflows import it to branch on `failure.type`, never on message text.
 */
export const FailureTypes = {
  InvalidConfig: { retryable: false },
  ConnectionNotFound: { retryable: false },
  SourceUnreachable: { retryable: false },
  BadCredentials: { retryable: false },
  NotAReplicaSet: { retryable: false },
  OplogMissing: { retryable: false },
  OplogRolledOver: { retryable: false },
  UnknownOplogEntry: { retryable: false },
  IncompleteTransaction: { retryable: false },
  IllegalTransition: { retryable: false },
  RestoreOutsideWindow: { retryable: false },
  /** A restore target collection holds documents and the restore was not asked to drop it. */
  TargetNotEmpty: { retryable: false },
  /** A restore target does not answer: refused before anything is written (retrying a wrong address helps nobody). */
  TargetUnreachable: { retryable: false },
  /** A restored collection's count or content hash differs from the snapshot's, or a replay fell short. */
  RestoreVerifyFailed: { retryable: false },
  /** The oplog slices to replay do not chain: an entry range between two slices is missing. */
  SliceChainBroken: { retryable: false },
  /**
   * Another capture attempt of the same chain recorded a slice at the position this one meant to extend:
   * a retry starts again from the chain's end (a timed-out attempt still running beside its retry).
   */
  SliceChainMoved: { retryable: true },
  /**
   * A restore of the job holds a lease on its data: terminate deletes nothing and is retried until the
   * restore has finished.
   */
  RestoreInProgress: { retryable: true },
  /**
   * A later attempt of the same replay activity claimed the restore's replay: this attempt is stale (it ran
   * on after a missed heartbeat) and stops without applying more.
   */
  ReplaySuperseded: { retryable: true },
  SnapshotAbandoned: { retryable: false },
  ChecksumMismatch: { retryable: false },
  WrongKey: { retryable: false },
  NotFound: { retryable: false },
  ServiceUnavailable: { retryable: true },
  /** No worker polls the task queue: a command would wait in silence, so it is not started. */
  NoWorker: { retryable: true },
} as const satisfies Record<string, { retryable: boolean }>;

export type FailureType = keyof typeof FailureTypes;

/** Failure types that retrying cannot fix; used as `nonRetryableErrorTypes` in activity options. */
export const nonRetryableFailureTypes: FailureType[] = (Object.keys(FailureTypes) as FailureType[]).filter(
  (t) => !FailureTypes[t].retryable,
);
