import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3StoreConfig } from '../../src/config/schema.js';
import { BadCredentials, InvalidConfig, ServiceUnavailable } from '../../src/errors/domain-errors.js';
import { S3BlobStore } from '../../src/store/s3-blob-store.js';
import { services, uniqueName, withService } from '../harness/services.js';
import { blobStoreConformance, listAll, sha256, streamOf } from './blob-store.conformance.js';
import { corruptS3Object } from './corrupt.js';

const minio = services.minio;
const Bucket = minio.bucket;
const env = { HW_TEST_S3_KEY: minio.accessKeyId, HW_TEST_S3_SECRET: minio.secretAccessKey };
const MiB = 1024 * 1024;

function config(extra: Partial<S3StoreConfig> = {}): S3StoreConfig {
  return S3StoreConfig.parse({
    type: 's3',
    bucket: Bucket,
    prefix: `test/${uniqueName('s3store')}`,
    endpoint: minio.endpoint,
    forcePathStyle: true,
    accessKeyIdEnv: 'HW_TEST_S3_KEY',
    secretAccessKeyEnv: 'HW_TEST_S3_SECRET',
    ...extra,
  });
}

const admin = new S3Client({
  endpoint: minio.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
});

/** Unfinished multipart uploads of one object (minio lists uploads only for an exact object key). */
async function pendingUploads(objectKey: string): Promise<number> {
  const out = await admin.send(new ListMultipartUploadsCommand({ Bucket, Prefix: objectKey }));
  return out.Uploads?.length ?? 0;
}

/** Removes every object and unfinished upload under `prefix`. */
async function removeAll(prefix: string): Promise<void> {
  assert.ok(prefix.startsWith('test/'), `refusing to clean up outside test/: '${prefix}'`);
  for await (const page of paginateListObjectsV2({ client: admin }, { Bucket, Prefix: prefix })) {
    const Objects = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (Objects.length > 0)
      await admin.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } }));
  }
  const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket, Prefix: prefix }));
  for (const u of uploads.Uploads ?? []) {
    await admin.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key!, UploadId: u.UploadId! }));
  }
}

before(() =>
  withService('minio', () => admin.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'test/' }))),
);
after(() => admin.destroy());

blobStoreConformance('s3 (minio)', async () => {
  const store = S3BlobStore.fromConfig(config(), env);
  return {
    store,
    corrupt: (key) => corruptS3Object(store, key),
    dispose: async () => {
      await removeAll(store.prefix);
      await store.close();
    },
  };
});

describe('S3BlobStore', () => {
  const stores: S3BlobStore[] = [];
  const open = (extra: Partial<S3StoreConfig> = {}, e: NodeJS.ProcessEnv = env) => {
    const store = S3BlobStore.fromConfig(config(extra), e);
    stores.push(store);
    return store;
  };
  after(async () => {
    for (const s of stores) {
      await removeAll(s.prefix);
      await s.close();
    }
  });

  it('keeps keys under its prefix, normalised to one folder', async () => {
    const prefix = `test/${uniqueName('prefix')}`;
    const store = open({ prefix: `/${prefix}/` });
    assert.equal(store.prefix, `${prefix}/`);
    assert.equal(store.describe(), `s3://${Bucket}/${prefix}/ at ${new URL(minio.endpoint).origin}`);
    await store.put('k/1', Buffer.from('one'));
    const raw = await admin.send(new GetObjectCommand({ Bucket, Key: `${prefix}/k/1` }));
    assert.equal(await raw.Body!.transformToString(), 'one');
    assert.deepEqual(await listAll(store, ''), [{ key: 'k/1', size: 3 }]);
  });

  it('records the sha256 in object metadata and uses multipart above the part size', async () => {
    const store = open();
    const small = randomBytes(1000);
    const large = randomBytes(17 * MiB);
    await store.put('meta/small', small);
    await store.put('meta/large', large);
    const headSmall = await admin.send(new HeadObjectCommand({ Bucket, Key: store.objectKey('meta/small') }));
    const headLarge = await admin.send(new HeadObjectCommand({ Bucket, Key: store.objectKey('meta/large') }));
    assert.equal(headSmall.Metadata?.sha256, sha256(small));
    assert.equal(headLarge.Metadata?.sha256, sha256(large));
    assert.doesNotMatch(headSmall.ETag ?? '', /-\d+"?$/);
    assert.match(headLarge.ETag ?? '', /-3"?$/, 'a multipart ETag of 3 parts (8 + 8 + 1 MiB)');
  });

  it('leaves no unfinished multipart upload behind an aborted or refused putStream', async () => {
    const store = open();
    // The check is meaningful: an unfinished upload under the prefix is listed.
    const probe = await admin.send(
      new CreateMultipartUploadCommand({ Bucket, Key: store.objectKey('probe') }),
    );
    assert.equal(await pendingUploads(store.objectKey('probe')), 1);
    await admin.send(
      new AbortMultipartUploadCommand({ Bucket, Key: store.objectKey('probe'), UploadId: probe.UploadId! }),
    );
    await assert.rejects(store.putStream('mpu/a', streamOf(randomBytes(20 * MiB), MiB, 17 * MiB)), /broke/);
    await assert.rejects(
      store.putStream('mpu/b', streamOf(randomBytes(20 * MiB)), { sha256: '0'.repeat(64) }),
      {
        type: 'ChecksumMismatch',
      },
    );
    assert.equal(await pendingUploads(store.objectKey('mpu/a')), 0);
    assert.equal(await pendingUploads(store.objectKey('mpu/b')), 0);
    assert.deepEqual(await listAll(store, ''), []);
  });

  it('sends the server-side encryption header (minio without KMS refuses it: 501 NotImplemented)', async () => {
    const store = open({ serverSideEncryption: 'AES256' });
    await assert.rejects(store.put('sse/a', Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof InvalidConfig, String(err));
      assert.match(err.message, /unable to write 'sse\/a'.*KMS is not configured/);
      return true;
    });
    await assert.rejects(store.putStream('sse/b', streamOf(randomBytes(9 * MiB))), /KMS is not configured/);
    assert.equal(await store.has('sse/a'), false);
  });

  it('treats an object streamed without a sha256 as different content on the next put', async () => {
    const store = open();
    const bytes = Buffer.from('streamed without a hash');
    await store.putStream('nohash/a', streamOf(bytes));
    assert.deepEqual(await store.put('nohash/a', bytes), { created: true }, 'no recorded hash: rewritten');
    assert.deepEqual(await store.put('nohash/a', bytes), { created: false });
  });

  it('takes credentials from the environment variables the config names', () => {
    assert.throws(
      () => S3BlobStore.fromConfig(config(), {}),
      (err: unknown) => {
        assert.ok(err instanceof InvalidConfig);
        assert.match(err.message, /environment variable 'HW_TEST_S3_KEY' is not set/);
        return true;
      },
    );
    const half = S3StoreConfig.safeParse({ type: 's3', bucket: Bucket, accessKeyIdEnv: 'X' });
    assert.equal(half.success, false, 'one of the pair without the other is refused by the schema');
  });

  it('maps refused credentials, a missing bucket and an unreachable service to typed errors', async () => {
    const wrong = open({}, { HW_TEST_S3_KEY: minio.accessKeyId, HW_TEST_S3_SECRET: 'not-the-secret' });
    await assert.rejects(wrong.put('a', Buffer.from('x')), BadCredentials);
    await assert.rejects(wrong.has('a'), BadCredentials);
    const noBucket = open({ bucket: `missing-${Date.now()}` });
    await assert.rejects(noBucket.put('a', Buffer.from('x')), InvalidConfig);
    const down = new S3BlobStore(
      new S3Client({
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      }),
      { bucket: Bucket, prefix: 'test/unreachable', partSizeBytes: 8 * MiB, ownsClient: true },
    );
    await assert.rejects(down.get('a'), ServiceUnavailable);
    await assert.rejects(down.has('a'), ServiceUnavailable);
    await down.close();
  });
});
