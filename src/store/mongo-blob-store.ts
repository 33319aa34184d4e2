/**
 * The MongoDB blockstore: objects as documents. An object up to `inlineMaxBytes` is one head document
 * `{ _id: key, size, sha256, data }`; a larger one is split into part documents written first, and its
 * head, naming their upload, is written last — so a half-written object is never visible, and replacing
 * the head (one atomic document write) is what makes a put atomic.
 */
import { Binary, type Collection, type Db, type MongoClient } from 'mongodb';
import { pipeline, Readable } from 'node:stream';
import { ChecksumMismatch, InvalidConfig, NotFound } from '../errors/domain-errors.js';
import type {
  BlobEntry,
  BlobStore,
  BlobStoreCapabilities,
  PutOptions,
  PutResult,
  PutStreamResult,
} from './blob-store.js';
import { assertBlobKey, assertBlobPrefix, prefixUpperBound } from './blob-key.js';
import { HashingStream, verifiedSha256 } from './digest.js';
import { fromMongoError, isDuplicateKey } from './mongo-errors.js';
import {
  dropParts,
  newUploadId,
  PartWriter,
  readPart,
  readParts,
  spillParts,
  type PartDoc,
} from './mongo-parts.js';

const MiB = 1024 * 1024;
/** Leaves room under MongoDB's 16 MiB document limit for the key and the other fields. */
const MAX_DOCUMENT_DATA = 16 * MiB - 512 * 1024;

export interface BlobHead {
  _id: string;
  size: number;
  sha256: string;
  /** The bytes of an object stored inline. */
  data?: Binary;
  /** The upload whose `parts` part documents hold the bytes of a large object. */
  upload?: string;
  parts?: number;
  createdAt: Date;
}
type HeadFields = Omit<BlobHead, '_id' | 'createdAt'>;

export interface MongoBlobStoreOptions {
  /** Objects up to this size are one document (default 15 MiB). */
  inlineMaxBytes?: number;
  /** Size of the part documents of larger objects (default 8 MiB). */
  partSizeBytes?: number;
  /** Names the store in messages, e.g. the connection id (never the URI, which may hold a password). */
  label?: string;
}

export class MongoBlobStore implements BlobStore {
  readonly db: Db;
  readonly heads: Collection<BlobHead>;
  readonly parts: Collection<PartDoc>;
  readonly capabilities: BlobStoreCapabilities = {
    atomicPut: true,
    maxObjectBytes: Number.MAX_SAFE_INTEGER,
    multipart: true,
  };
  private readonly inlineMax: number;
  private readonly partSize: number;

  constructor(
    client: MongoClient,
    readonly database: string,
    private readonly options: MongoBlobStoreOptions = {},
  ) {
    this.db = client.db(database);
    this.heads = this.db.collection<BlobHead>('blobs');
    this.parts = this.db.collection<PartDoc>('blob_parts');
    this.inlineMax = checkedSize('inlineMaxBytes', options.inlineMaxBytes ?? 15 * MiB);
    this.partSize = checkedSize('partSizeBytes', options.partSizeBytes ?? 8 * MiB);
  }

  describe(): string {
    return `mongo:${this.options.label === undefined ? '' : `${this.options.label}/`}${this.database}`;
  }

  async put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<PutResult> {
    assertBlobKey(key);
    const sha256 = verifiedSha256(bytes, opts?.sha256, key, this.describe());
    return this.guard('write', key, async () => {
      const seen = await this.heads.findOne({ _id: key }, { projection: { size: 1, sha256: 1, upload: 1 } });
      if (seen?.size === bytes.length && seen.sha256 === sha256) return { created: false };
      if (bytes.length <= this.inlineMax) {
        await this.commit(key, { size: bytes.length, sha256, data: new Binary(bytes) }, seen);
        return { created: true };
      }
      const writer = new PartWriter(this.parts, newUploadId());
      await this.abandonOnError(writer, async () => {
        await writer.writeAll(bytes, this.partSize);
        await this.commit(
          key,
          { size: bytes.length, sha256, upload: writer.upload, parts: writer.count },
          seen,
        );
      });
      return { created: true };
    });
  }

  async putStream(key: string, stream: Readable, opts?: PutOptions): Promise<PutStreamResult> {
    assertBlobKey(key);
    const hashing = new HashingStream(opts?.sha256, key, this.describe());
    pipeline(stream, hashing, () => undefined); // a source error surfaces when `hashing` is read
    const writer = new PartWriter(this.parts, newUploadId());
    await this.guard('write', key, () =>
      this.abandonOnError(writer, async () => {
        const rest = await spillParts(hashing, writer, this.inlineMax, this.partSize);
        const head = hashing.result();
        if (writer.count === 0) return this.commit(key, { ...head, data: new Binary(rest) });
        if (rest.length > 0) await writer.write(rest);
        await this.commit(key, { ...head, upload: writer.upload, parts: writer.count });
      }).catch((err: unknown) => {
        stream.destroy();
        hashing.destroy();
        throw err;
      }),
    );
    return hashing.result();
  }

  async get(key: string): Promise<Buffer> {
    assertBlobKey(key);
    return this.guard('read', key, async () => {
      let failedUpload: string | undefined;
      for (;;) {
        const head = await this.heads.findOne({ _id: key });
        if (head === null) throw this.notFound(key);
        if (head.upload === undefined) return toBuffer(head.data);
        if (head.upload === failedUpload) throw this.incomplete(key);
        const bytes = await readParts(this.parts, head.upload, head.parts ?? 0);
        if (bytes !== undefined) return bytes;
        failedUpload = head.upload; // replaced or deleted meanwhile: look at the head again
      }
    });
  }

  async getStream(key: string): Promise<Readable> {
    assertBlobKey(key);
    const head = await this.guard('read', key, () => this.heads.findOne({ _id: key }));
    if (head === null) throw this.notFound(key);
    if (head.upload === undefined) return Readable.from([toBuffer(head.data)], { objectMode: false });
    return Readable.from(this.streamParts(key, head.upload, head.parts ?? 0), { objectMode: false });
  }

  async has(key: string): Promise<boolean> {
    assertBlobKey(key);
    return this.guard(
      'inspect',
      key,
      async () => (await this.heads.findOne({ _id: key }, { projection: { _id: 1 } })) !== null,
    );
  }

  async *list(prefix: string): AsyncGenerator<BlobEntry> {
    assertBlobPrefix(prefix);
    const upper = prefixUpperBound(prefix);
    const range = upper === undefined ? { $gte: prefix } : { $gte: prefix, $lt: upper };
    const cursor = this.heads.find({ _id: range }, { projection: { size: 1 } }).sort({ _id: 1 });
    try {
      for await (const head of cursor) yield { key: head._id, size: head.size };
    } catch (err) {
      throw fromMongoError(err, 'list', prefix, this.describe());
    } finally {
      await cursor.close();
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.guard('delete', key, async () => {
      // Delete the head we looked at, not one a racing put just wrote, so that we drop the right parts.
      for (;;) {
        const head = await this.findHead(key);
        if (head === null) return;
        const upload = head.upload ?? { $exists: false as const };
        if ((await this.heads.deleteOne({ _id: key, upload })).deletedCount === 0) continue;
        if (head.upload !== undefined) await dropParts(this.parts, head.upload);
        return;
      }
    });
  }

  /** The client belongs to the connection registry, which closes it. */
  async close(): Promise<void> {}

  /**
   * Points `key` at a new head: a compare-and-swap on the head last seen (`seen`, or read now), so the
   * parts dropped afterwards are exactly those of the head this call replaced. On MongoDB the filtered
   * replace is atomic; FerretDB 1.24 does not serialise racing filtered updates, so there two racing
   * writers can leave unreferenced (never visible) part documents behind.
   */
  private async commit(
    key: string,
    fields: HeadFields,
    seen?: Pick<BlobHead, 'upload'> | null,
  ): Promise<void> {
    let head = seen === undefined ? await this.findHead(key) : seen;
    for (;;) {
      const doc = { ...fields, createdAt: new Date() };
      if (head === null) {
        try {
          await this.heads.insertOne({ _id: key, ...doc });
          return;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err; // a racing put created the key first
        }
      } else {
        const replaced = await this.heads.replaceOne(
          { _id: key, upload: head.upload ?? { $exists: false } },
          doc,
        );
        if (replaced.matchedCount === 1) {
          if (head.upload !== undefined) await dropParts(this.parts, head.upload);
          return;
        }
      }
      head = await this.findHead(key);
    }
  }

  private findHead(key: string): Promise<Pick<BlobHead, '_id' | 'upload'> | null> {
    return this.heads.findOne({ _id: key }, { projection: { upload: 1 } });
  }

  private async *streamParts(key: string, upload: string, count: number): AsyncGenerator<Buffer> {
    for (let n = 0; n < count; n++) {
      const part = await this.guard('read', key, () => readPart(this.parts, upload, n));
      if (part === undefined) throw this.incomplete(key);
      yield part;
    }
  }

  private async abandonOnError(writer: PartWriter, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      await dropParts(this.parts, writer.upload).catch(() => undefined);
      throw err;
    }
  }

  private async guard<T>(action: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw fromMongoError(err, action, key, this.describe());
    }
  }

  private notFound(key: string): NotFound {
    return new NotFound(`object '${key}' not found in ${this.describe()}`, {
      details: { key, store: this.describe() },
    });
  }

  private incomplete(key: string): ChecksumMismatch {
    return new ChecksumMismatch(
      `object '${key}' in ${this.describe()} is damaged, or was replaced while being read: a part is missing`,
      {
        details: { key, store: this.describe() },
      },
    );
  }
}

function toBuffer(data: Binary | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  const bytes = data.buffer;
  return Buffer.from(bytes.buffer, bytes.byteOffset, data.position);
}

function checkedSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1024 || value > MAX_DOCUMENT_DATA) {
    throw new InvalidConfig(
      `mongo blob store: ${name} must be an integer from 1024 to ${MAX_DOCUMENT_DATA}, got ${value}`,
    );
  }
  return value;
}
