/**
 * A decorator that retries a store's calls on transient failures (restic's retry.Backend), with
 * bounded attempts and jittered exponential backoff. It never retries what retrying cannot fix: a
 * missing object, a checksum refusal, bad configuration or credentials keep their typed error at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { HeadwaterError } from '../errors/domain-errors.js';
import type {
  BlobEntry,
  BlobStore,
  BlobStoreCapabilities,
  PutOptions,
  PutResult,
  PutStreamResult,
} from './blob-store.js';

export interface RetryPolicy {
  /** Tries per call, the first included (default 5). */
  attempts?: number;
  /** First backoff ceiling; doubles per retry up to `maxDelayMs` (defaults 200 ms and 10 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Which errors to retry (default `isRetryableStoreError`). */
  isRetryable?: (err: unknown) => boolean;
  /** Called before each wait, for logs and metrics. */
  onRetry?: (retry: {
    operation: string;
    key: string;
    attempt: number;
    delayMs: number;
    error: unknown;
  }) => void;
  /** Stops waiting (and retrying) when aborted. */
  signal?: AbortSignal;
}

// Node error codes that no retry will cure.
const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENAMETOOLONG', 'EINVAL', 'ENOTDIR', 'EISDIR']);

/** Typed errors say for themselves; unknown errors are presumed transient, except programming errors. */
export function isRetryableStoreError(err: unknown): boolean {
  if (err instanceof HeadwaterError) return err.retryable;
  if (err instanceof TypeError || err instanceof RangeError) return false;
  if ((err as Error | undefined)?.name === 'AbortError') return false;
  return !PERMANENT_CODES.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

export class RetryingBlobStore implements BlobStore {
  private readonly attempts: number;

  constructor(
    readonly inner: BlobStore,
    private readonly policy: RetryPolicy = {},
  ) {
    this.attempts = Math.max(1, policy.attempts ?? 5);
  }

  get capabilities(): BlobStoreCapabilities {
    return this.inner.capabilities;
  }

  describe(): string {
    return this.inner.describe();
  }

  put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<PutResult> {
    return this.retry('put', key, () => this.inner.put(key, bytes, opts));
  }

  /** Not retried: a stream cannot be replayed. Callers that can rebuild the stream retry themselves. */
  putStream(key: string, stream: Readable, opts?: PutOptions): Promise<PutStreamResult> {
    return this.inner.putStream(key, stream, opts);
  }

  get(key: string): Promise<Buffer> {
    return this.retry('get', key, () => this.inner.get(key));
  }

  /** Retries opening the stream; an error while reading it reaches the reader. */
  getStream(key: string): Promise<Readable> {
    return this.retry('getStream', key, () => this.inner.getStream(key));
  }

  has(key: string): Promise<boolean> {
    return this.retry('has', key, () => this.inner.has(key));
  }

  delete(key: string): Promise<void> {
    return this.retry('delete', key, () => this.inner.delete(key));
  }

  /** Resumes a failed listing after the last key it yielded: `list` is ordered, so nothing repeats. */
  async *list(prefix: string): AsyncGenerator<BlobEntry> {
    let last: string | undefined;
    for (let failures = 0; ;) {
      try {
        for await (const entry of this.inner.list(prefix)) {
          if (last !== undefined && entry.key <= last) continue;
          last = entry.key;
          failures = 0;
          yield entry;
        }
        return;
      } catch (err) {
        failures += 1;
        await this.backoff('list', prefix, failures, err);
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async retry<T>(operation: string, key: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        await this.backoff(operation, key, attempt, err);
      }
    }
  }

  /** Rethrows `error` unless another attempt is allowed; otherwise waits before it. */
  private async backoff(operation: string, key: string, attempt: number, error: unknown): Promise<void> {
    const retryable = (this.policy.isRetryable ?? isRetryableStoreError)(error);
    if (!retryable || attempt >= this.attempts || this.policy.signal?.aborted === true) throw error;
    const ceiling = Math.min(
      this.policy.maxDelayMs ?? 10_000,
      (this.policy.baseDelayMs ?? 200) * 2 ** (attempt - 1),
    );
    const delayMs = Math.round(ceiling * (0.5 + Math.random() / 2));
    this.policy.onRetry?.({ operation, key, attempt, delayMs, error });
    await sleep(delayMs, undefined, { signal: this.policy.signal });
  }
}
