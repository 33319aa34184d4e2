/**
 * Translation of driver errors raised by the MongoDB blockstore: an unreachable or failing-over
 * deployment is ServiceUnavailable (worth retrying), refused authentication is BadCredentials; the rest
 * passes through unchanged, and errors that are already ours are kept as they are.
 */
import { MongoError, MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { BadCredentials, HeadwaterError, ServiceUnavailable } from '../errors/domain-errors.js';

const AUTH_FAILED = 18;
const UNAUTHORIZED = 13;

export function fromMongoError(err: unknown, action: string, key: string, store: string): unknown {
  if (err instanceof HeadwaterError || !(err instanceof MongoError)) return err;
  const message = `unable to ${action} '${key}' in ${store}: ${err.message}`;
  const details = { key, store, code: err.code };
  if (err.code === AUTH_FAILED || err.code === UNAUTHORIZED)
    return new BadCredentials(message, { cause: err, details });
  const transient =
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    // The driver closes a client whose first connection failed; a retry with a fresh client can succeed.
    err instanceof MongoTopologyClosedError ||
    err.hasErrorLabel('RetryableWriteError') ||
    err.hasErrorLabel('ResetPool');
  return transient ? new ServiceUnavailable(message, { cause: err, details }) : err;
}

/** Whether `err` is a duplicate `_id` (two upserts of one key racing each other). */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoError && err.code === 11000;
}
