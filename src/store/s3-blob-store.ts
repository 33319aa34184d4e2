/**
 * The S3 blob store, for any S3-compatible service (tested on MinIO). Objects are written whole by a
 * single PUT or a multipart upload that becomes visible only when completed (and is aborted on any
 * failure), so puts are atomic. The SHA-256 of each object is recorded in its metadata for idempotent puts.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { pipeline, Readable } from 'node:stream';
import type { S3StoreConfig } from '../config/schema.js';
import { InvalidConfig, NotFound } from '../errors/domain-errors.js';
import type {
  BlobEntry,
  BlobStore,
  BlobStoreCapabilities,
  PutOptions,
  PutResult,
  PutStreamResult,
} from './blob-store.js';
import { assertBlobKey, assertBlobPrefix, blobKeyProblem } from './blob-key.js';
import { HashingStream, verifiedSha256 } from './digest.js';
import { fromS3Error } from './s3-errors.js';

const MAX_PARTS = 10_000;
const MAX_S3_OBJECT = 5 * 1024 ** 4;
/** Parts uploaded in parallel; memory held by a putStream is about this many parts. */
const QUEUE_SIZE = 4;

export interface S3BlobStoreOptions {
  bucket: string;
  /** A folder inside the bucket: 'a/b' and '/a/b/' both mean keys under 'a/b/'. */
  prefix?: string;
  partSizeBytes: number;
  /** Shown by describe() (origin only, so a URL with credentials in it is never printed). */
  endpoint?: string;
  serverSideEncryption?: 'AES256' | 'aws:kms';
  /** Destroy the client on close (true when the store built it). */
  ownsClient?: boolean;
}

export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly capabilities: BlobStoreCapabilities;

  constructor(
    readonly client: S3Client,
    private readonly options: S3BlobStoreOptions,
  ) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? '');
    const maxObjectBytes = Math.min(MAX_S3_OBJECT, options.partSizeBytes * MAX_PARTS);
    this.capabilities = { atomicPut: true, maxObjectBytes, multipart: true };
  }

  /** A store from configuration; credentials come from the named env vars, else the SDK's default chain. */
  static fromConfig(config: S3StoreConfig, env: NodeJS.ProcessEnv = process.env): S3BlobStore {
    const client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: credentialsFromEnv(config, env),
    });
    return new S3BlobStore(client, { ...config, ownsClient: true });
  }

  describe(): string {
    const endpoint =
      this.options.endpoint === undefined ? '' : ` at ${new URL(this.options.endpoint).origin}`;
    return `s3://${this.bucket}/${this.prefix}${endpoint}`;
  }

  /** The S3 object key that holds `key` (validated). */
  objectKey(key: string): string {
    assertBlobKey(key);
    return this.prefix + key;
  }

  async put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<PutResult> {
    const Key = this.objectKey(key);
    const sha256 = verifiedSha256(bytes, opts?.sha256, key, this.describe());
    const existing = await this.head(key, Key);
    if (existing?.size === bytes.length && existing.sha256 === sha256) return { created: false };
    const Body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.upload(key, { ...this.putParams(Key, sha256), Body });
    return { created: true };
  }

  async putStream(key: string, stream: Readable, opts?: PutOptions): Promise<PutStreamResult> {
    const Key = this.objectKey(key);
    const hashing = new HashingStream(opts?.sha256, key, this.describe());
    // A source error destroys `hashing`, which the upload reads: the upload then aborts, never completes.
    pipeline(stream, hashing, () => undefined);
    try {
      await this.upload(key, { ...this.putParams(Key, opts?.sha256?.toLowerCase()), Body: hashing });
    } catch (err) {
      stream.destroy();
      hashing.destroy();
      throw err;
    }
    return hashing.result();
  }

  async get(key: string): Promise<Buffer> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const bytes = await out.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw fromS3Error(err, 'read', key, this.describe());
    }
  }

  async getStream(key: string): Promise<Readable> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const body = out.Body;
      if (body instanceof Readable) return body;
      return Readable.from([await body!.transformToByteArray()], { objectMode: false });
    } catch (err) {
      throw fromS3Error(err, 'read', key, this.describe());
    }
  }

  async has(key: string): Promise<boolean> {
    return (await this.head(key, this.objectKey(key))) !== undefined;
  }

  async *list(prefix: string): AsyncGenerator<BlobEntry> {
    assertBlobPrefix(prefix);
    const pages = paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: this.prefix + prefix },
    );
    try {
      for await (const page of pages) {
        for (const o of page.Contents ?? []) {
          const key = (o.Key ?? '').slice(this.prefix.length);
          if (blobKeyProblem(key) === undefined) yield { key, size: o.Size ?? 0 };
        }
      }
    } catch (err) {
      throw fromS3Error(err, 'list', prefix, this.describe());
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      const mapped = fromS3Error(err, 'delete', key, this.describe());
      if (!(mapped instanceof NotFound)) throw mapped;
    }
  }

  async close(): Promise<void> {
    if (this.options.ownsClient === true) this.client.destroy();
  }

  private putParams(Key: string, sha256: string | undefined): Omit<PutObjectCommandInput, 'Body'> {
    return {
      Bucket: this.bucket,
      Key,
      ServerSideEncryption: this.options.serverSideEncryption,
      Metadata: sha256 === undefined ? undefined : { sha256 },
    };
  }

  private async upload(key: string, params: PutObjectCommandInput): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params,
      partSize: this.options.partSizeBytes,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      throw fromS3Error(err, 'write', key, this.describe());
    }
  }

  private async head(key: string, Key: string): Promise<{ size: number; sha256?: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: out.ContentLength ?? 0, sha256: out.Metadata?.sha256 };
    } catch (err) {
      const mapped = fromS3Error(err, 'inspect', key, this.describe());
      if (mapped instanceof NotFound) return undefined;
      throw mapped;
    }
  }
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  assertBlobKey(trimmed);
  return `${trimmed}/`;
}

function credentialsFromEnv(config: S3StoreConfig, env: NodeJS.ProcessEnv) {
  if (config.accessKeyIdEnv === undefined || config.secretAccessKeyEnv === undefined) return undefined;
  const accessKeyId = env[config.accessKeyIdEnv];
  const secretAccessKey = env[config.secretAccessKeyEnv];
  for (const [name, value] of [
    [config.accessKeyIdEnv, accessKeyId],
    [config.secretAccessKeyEnv, secretAccessKey],
  ]) {
    if (value === undefined || value === '') {
      throw new InvalidConfig(`s3 store 's3://${config.bucket}': environment variable '${name}' is not set`);
    }
  }
  return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! };
}
