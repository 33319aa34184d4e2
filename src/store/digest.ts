/**
 * SHA-256 checks shared by the backends: a put whose bytes do not hash to what the caller said is
 * refused before anything is written (restic's TestSaveWrongHash), for buffers and for streams alike.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ChecksumMismatch } from '../errors/domain-errors.js';
import type { PutStreamResult } from './blob-store.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function mismatch(key: string, store: string, expected: string, actual: string): ChecksumMismatch {
  return new ChecksumMismatch(
    `refusing to store '${key}' in ${store}: its sha256 is ${actual}, the caller expected ${expected}`,
    { details: { key, store, expected, actual } },
  );
}

/** The SHA-256 of `bytes`; throws `ChecksumMismatch` if `expected` is given and differs. */
export function verifiedSha256(
  bytes: Uint8Array,
  expected: string | undefined,
  key: string,
  store: string,
): string {
  const actual = sha256Hex(bytes);
  if (expected !== undefined && expected.toLowerCase() !== actual)
    throw mismatch(key, store, expected, actual);
  return actual;
}

/**
 * A pass-through that hashes and counts what flows through it. When `expected` is given and the
 * stream's hash differs, it errors *before* signalling its end, so a consumer that commits only at the
 * end (a multipart upload, a rename, a head document) never commits the bytes.
 */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  // Not named `size` or `length`: lib-storage's Upload would take such a field as the body's length.
  private hashedBytes = 0;
  private hex = '';

  constructor(
    private readonly expected: string | undefined,
    private readonly key: string,
    private readonly store: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.hashedBytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.hex = this.hash.digest('hex');
    if (this.expected !== undefined && this.expected.toLowerCase() !== this.hex) {
      callback(mismatch(this.key, this.store, this.expected, this.hex));
      return;
    }
    callback();
  }

  /** Size and SHA-256 of everything that passed, once the stream has ended. */
  result(): PutStreamResult {
    return { size: this.hashedBytes, sha256: this.hex };
  }
}
