/**
 * The storage seam: one interface for every place Headwater keeps bytes (slices, chunks, manifests).
 * Backends differ in speed and limits, never in meaning: the contracts below hold for all of them and
 * test/store/blob-store.conformance.ts proves it. Retries, metrics and dry runs are decorators around a
 * store, never flags inside one.
 */
import type { Readable } from 'node:stream';

/** A stored object as `list` reports it. */
export interface BlobEntry {
  key: string;
  size: number;
}

export interface PutOptions {
  /** Hex SHA-256 the caller expects the bytes to have; a mismatch is refused before anything is written. */
  sha256?: string;
}

export interface PutResult {
  /** True when this call wrote the object; false when the key already held identical content. */
  created: boolean;
}

export interface PutStreamResult {
  /** Bytes stored. */
  size: number;
  /** Hex SHA-256 of the bytes stored, computed while streaming. */
  sha256: string;
}

/** What a backend can promise (restic `Properties`, pgBackRest `StorageFeature`): callers check these, not types. */
export interface BlobStoreCapabilities {
  /** A reader sees either the whole previous state of a key or the whole new object, never a partial write. */
  atomicPut: boolean;
  /** The largest object the store accepts (S3: 10,000 parts of the configured part size). */
  maxObjectBytes: number;
  /** Large objects travel in independent parts, so `putStream` holds only a few parts in memory. */
  multipart: boolean;
}

/**
 * A flat key -> bytes store. Keys are '/'-separated paths of printable ASCII (see blob-key.ts); a key
 * that breaks the rules is refused with `InvalidConfig` by every method. Every method that reads a
 * missing key throws `NotFound`, naming the key and the store. Stores are safe for concurrent use.
 */
export interface BlobStore {
  readonly capabilities: BlobStoreCapabilities;

  /**
   * Stores `bytes` under `key`.
   * - Verifies `opts.sha256` first: a mismatch throws `ChecksumMismatch` and writes nothing (an existing
   *   object under the key stays as it was).
   * - Idempotent: if the key already holds identical content, nothing is written and `created` is false.
   *   Identity is judged by the size and SHA-256 recorded when the object was written (the fs store,
   *   which records none, compares the bytes); damage at rest is not seen here — verify finds it, and
   *   the repair is `delete` then `put`.
   * - Different content under an existing key is replaced, atomically where `capabilities.atomicPut`
   *   (last writer wins; `created` is true). Content-addressed keys (chunks) never differ in practice.
   * - Concurrent puts of one key leave exactly one of the written objects, intact.
   */
  put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<PutResult>;

  /**
   * Stores a stream of unknown length under `key`, holding at most a few parts in memory. Always writes
   * (the content is known only at its end), with the same end state as `put`. If the stream errors, or
   * its SHA-256 differs from `opts.sha256` (`ChecksumMismatch`), the promise rejects and no object — and
   * no partial object — becomes visible; a previous object under the key stays as it was.
   */
  putStream(key: string, stream: Readable, opts?: PutOptions): Promise<PutStreamResult>;

  /**
   * The whole object in memory, exactly as stored. Not verified: callers check it against its key
   * (chunks) or its own checksum (slices, manifests). Use `getStream` for objects of gigabytes.
   */
  get(key: string): Promise<Buffer>;

  /**
   * The object as a stream; rejects with `NotFound` before any byte if the key is missing. The reader
   * must consume or destroy it (it may hold a connection). If the object is replaced mid-read, the
   * stream either carries on with the old bytes (fs, S3) or fails (mongo parts); it never mixes them.
   */
  getStream(key: string): Promise<Readable>;

  /** Whether `key` holds an object. */
  has(key: string): Promise<boolean>;

  /**
   * Every object whose key starts with `prefix` ('' lists all), in ascending byte order of the key
   * (for ASCII keys, JavaScript's `<`), each exactly once. A prefix need not end at a '/'.
   * Objects put or deleted during the listing may or may not appear.
   */
  list(prefix: string): AsyncIterable<BlobEntry>;

  /** Removes `key`. Deleting a missing key is not an error (so a retried delete succeeds). */
  delete(key: string): Promise<void>;

  /** A name for messages and logs, e.g. 's3://bucket/prefix'; never carries a credential. */
  describe(): string;

  /** Releases what the store opened itself (clients it owns); shared clients are left to their owner. */
  close(): Promise<void>;
}
