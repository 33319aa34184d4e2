/**
 * Typed errors thrown by domain code. Each carries a stable `type` from the catalogue; messages are
 * lowercase, name the object and the action, and never carry a secret (callers pass redacted names).
 */
import { FailureTypes, type FailureType } from './failure-types.js';

export class HeadwaterError extends Error {
  readonly type: FailureType;
  readonly details: Record<string, unknown> | undefined;
  constructor(type: FailureType, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = type;
    this.type = type;
    this.details = options?.details;
  }
  get retryable(): boolean {
    return FailureTypes[this.type].retryable;
  }
}

const make = (type: FailureType) =>
  class extends HeadwaterError {
    constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
      super(type, message, options);
    }
  };

export class InvalidConfig extends make('InvalidConfig') {}
export class ConnectionNotFound extends make('ConnectionNotFound') {}
export class SourceUnreachable extends make('SourceUnreachable') {}
export class BadCredentials extends make('BadCredentials') {}
export class NotAReplicaSet extends make('NotAReplicaSet') {}
export class OplogMissing extends make('OplogMissing') {}
export class OplogRolledOver extends make('OplogRolledOver') {}
export class UnknownOplogEntry extends make('UnknownOplogEntry') {}
/** A transaction's commit reached the applier without all of its earlier entries (applying it would apply part of it). */
export class IncompleteTransaction extends make('IncompleteTransaction') {}
export class IllegalTransition extends make('IllegalTransition') {}
export class RestoreOutsideWindow extends make('RestoreOutsideWindow') {}
/** A restore target collection is not empty and the restore may not drop it; nothing was written. */
export class TargetNotEmpty extends make('TargetNotEmpty') {}
/** A restored collection differs from its snapshot (count or content hash), or a replay applied too few entries. */
export class RestoreVerifyFailed extends make('RestoreVerifyFailed') {}
/** Oplog slices to replay leave a hole (a slice's prevTs is past the entries before it). */
export class SliceChainBroken extends make('SliceChainBroken') {}
/** A slice could not extend its chain: another capture attempt recorded one at that position first (retried from the chain's end). */
export class SliceChainMoved extends make('SliceChainMoved') {}
/** Terminate waits: a restore of the job still reads its data (retried until it has finished). */
export class RestoreInProgress extends make('RestoreInProgress') {}
/** A stale replay attempt: a later attempt of the same activity holds the replay. */
export class ReplaySuperseded extends make('ReplaySuperseded') {}
/** A snapshot could not be completed consistently (its pause lapsed, or a chunk it relied on was swept); nothing was listed. */
export class SnapshotAbandoned extends make('SnapshotAbandoned') {}
export class ChecksumMismatch extends make('ChecksumMismatch') {}
export class WrongKey extends make('WrongKey') {}
export class NotFound extends make('NotFound') {}
export class ServiceUnavailable extends make('ServiceUnavailable') {}
/** No worker polls the task queue; the command started nothing. */
export class NoWorker extends make('NoWorker') {}
