import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { ChecksumMismatch, NotFound, ServiceUnavailable } from '../../src/errors/domain-errors.js';
import type { BlobEntry, BlobStore, PutOptions } from '../../src/store/blob-store.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { isRetryableStoreError, RetryingBlobStore } from '../../src/store/retrying-blob-store.js';
import { S3BlobStore } from '../../src/store/s3-blob-store.js';
import { listAll, streamOf } from './blob-store.conformance.js';

/** A real fs store whose calls fail with ServiceUnavailable while `failures` lasts (a flaky network). */
class FlakyStore implements BlobStore {
  failures = 0;
  calls = 0;
  /** When set, list fails once after yielding this many entries. */
  listFailsAfter: number | undefined;
  constructor(readonly real: FsBlobStore) {}
  get capabilities() {
    return this.real.capabilities;
  }
  private async gate(): Promise<void> {
    this.calls += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new ServiceUnavailable('connection reset (injected)');
    }
  }
  async put(key: string, bytes: Uint8Array, opts?: PutOptions) {
    await this.gate();
    return this.real.put(key, bytes, opts);
  }
  async putStream(key: string, stream: Readable, opts?: PutOptions) {
    await this.gate();
    return this.real.putStream(key, stream, opts);
  }
  async get(key: string) {
    await this.gate();
    return this.real.get(key);
  }
  async getStream(key: string) {
    await this.gate();
    return this.real.getStream(key);
  }
  async has(key: string) {
    await this.gate();
    return this.real.has(key);
  }
  async delete(key: string) {
    await this.gate();
    return this.real.delete(key);
  }
  async *list(prefix: string): AsyncGenerator<BlobEntry> {
    this.calls += 1;
    let n = 0;
    for await (const e of this.real.list(prefix)) {
      if (this.listFailsAfter !== undefined && n === this.listFailsAfter) {
        this.listFailsAfter = undefined;
        throw new ServiceUnavailable('listing interrupted (injected)');
      }
      n += 1;
      yield e;
    }
  }
  describe() {
    return this.real.describe();
  }
  close() {
    return this.real.close();
  }
}

describe('RetryingBlobStore', () => {
  let root: string;
  let flaky: FlakyStore;
  let retries: { operation: string; attempt: number }[];
  let store: RetryingBlobStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'headwater-retry-'));
    flaky = new FlakyStore(new FsBlobStore(root));
    retries = [];
    store = new RetryingBlobStore(flaky, { attempts: 4, baseDelayMs: 1, onRetry: (r) => retries.push(r) });
  });
  after(() => rm(root, { recursive: true, force: true }));
  const reset = (failures: number) => {
    flaky.failures = failures;
    flaky.calls = 0;
    retries.length = 0;
  };

  it('retries transient failures until the call succeeds', async () => {
    reset(3);
    assert.deepEqual(await store.put('r/a', Buffer.from('x')), { created: true });
    assert.equal(flaky.calls, 4);
    assert.deepEqual(
      retries.map((r) => [r.operation, r.attempt]),
      [
        ['put', 1],
        ['put', 2],
        ['put', 3],
      ],
    );
    reset(2);
    assert.deepEqual(await store.get('r/a'), Buffer.from('x'));
    assert.equal(flaky.calls, 3);
  });

  it('gives up after the configured attempts with the last error', async () => {
    reset(10);
    await assert.rejects(store.has('r/a'), ServiceUnavailable);
    assert.equal(flaky.calls, 4);
  });

  it('does not retry NotFound or ChecksumMismatch', async () => {
    reset(0);
    await assert.rejects(store.get('r/missing'), NotFound);
    assert.equal(flaky.calls, 1);
    reset(0);
    await assert.rejects(store.put('r/b', Buffer.from('x'), { sha256: '0'.repeat(64) }), ChecksumMismatch);
    assert.equal(flaky.calls, 1);
    assert.equal(retries.length, 0);
  });

  it('does not retry putStream, whose stream cannot be replayed', async () => {
    reset(1);
    await assert.rejects(store.putStream('r/s', streamOf(Buffer.from('abc'))), ServiceUnavailable);
    assert.equal(flaky.calls, 1);
  });

  it('resumes an interrupted listing after the last key it yielded', async () => {
    reset(0);
    const keys = Array.from({ length: 20 }, (_, i) => `l/${String(i).padStart(2, '0')}`);
    for (const k of keys) await store.put(k, Buffer.from(k));
    flaky.listFailsAfter = 7;
    retries.length = 0;
    assert.deepEqual(
      (await listAll(store, 'l/')).map((e) => e.key),
      keys,
    );
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.operation, 'list');
  });

  it('classifies errors: typed by their flag, unknown presumed transient, programming errors not', () => {
    assert.equal(isRetryableStoreError(new ServiceUnavailable('x')), true);
    assert.equal(isRetryableStoreError(new NotFound('x')), false);
    assert.equal(isRetryableStoreError(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), true);
    assert.equal(isRetryableStoreError(Object.assign(new Error('denied'), { code: 'EACCES' })), false);
    assert.equal(isRetryableStoreError(new TypeError('bug')), false);
  });

  it('retries a real unreachable S3 endpoint, then reports ServiceUnavailable', async () => {
    const seen: number[] = [];
    const down = new S3BlobStore(
      new S3Client({
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      }),
      { bucket: 'headwater-test', prefix: 'test/unreachable', partSizeBytes: 8 << 20, ownsClient: true },
    );
    const retrying = new RetryingBlobStore(down, {
      attempts: 3,
      baseDelayMs: 1,
      onRetry: (r) => seen.push(r.attempt),
    });
    await assert.rejects(retrying.get('x'), ServiceUnavailable);
    assert.deepEqual(seen, [1, 2]);
    await retrying.close();
  });
});
