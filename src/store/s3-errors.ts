/**
 * The one translation from S3 SDK errors to domain errors, so callers branch on `type` and the retrying
 * decorator knows what is worth retrying: a missing object is NotFound, refused credentials are
 * BadCredentials, a missing bucket or an unsupported feature is InvalidConfig, an unreachable or
 * overloaded service is ServiceUnavailable. Anything else passes through unchanged.
 */
import {
  BadCredentials,
  HeadwaterError,
  InvalidConfig,
  NotFound,
  ServiceUnavailable,
} from '../errors/domain-errors.js';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const CREDENTIAL_ERRORS = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/** Maps `err`, raised while doing `action` ('read', 'write', ...) on `key` in store `store`. */
export function fromS3Error(err: unknown, action: string, key: string, store: string): Error {
  if (err instanceof HeadwaterError) return err; // already ours (a checksum refusal inside an upload)
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? '';
  const details = { key, store, s3Error: name, httpStatus: status };
  const said =
    e.message && e.message !== 'UnknownError' ? `: ${e.message}` : ` (http ${status ?? '?'} ${name})`;
  const message = `unable to ${action} '${key}' in ${store}${said}`;
  if (name === 'NoSuchBucket')
    return new InvalidConfig(`bucket of ${store} does not exist${said}`, { cause: err, details });
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchUpload')) {
    return new NotFound(`object '${key}' not found in ${store}`, { cause: err, details });
  }
  if (CREDENTIAL_ERRORS.has(name) || status === 403)
    return new BadCredentials(message, { cause: err, details });
  if (status === 501 || name === 'NotImplemented') return new InvalidConfig(message, { cause: err, details });
  const network = NETWORK_CODES.has(e.code ?? '') || name === 'TimeoutError';
  if (network || (status !== undefined && (status >= 500 || status === 429)) || name === 'SlowDown') {
    return new ServiceUnavailable(message, { cause: err, details });
  }
  return err instanceof Error ? err : new Error(message, { cause: err });
}
