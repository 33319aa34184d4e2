import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { services, uniqueName, withService } from '../harness/services.js';

describe('smoke: minio', () => {
  const s3 = new S3Client({
    endpoint: services.minio.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: services.minio.accessKeyId, secretAccessKey: services.minio.secretAccessKey },
    maxAttempts: 1,
  });
  after(() => s3.destroy());

  it('round-trips an object through the S3 API', async () => {
    const Bucket = services.minio.bucket;
    const Key = `smoke/${uniqueName('object')}`;
    const body = randomBytes(256 * 1024);
    await withService('minio', () => s3.send(new PutObjectCommand({ Bucket, Key, Body: body })));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(bytes.length, body.length);
    assert.equal(sha(bytes), sha(body));
  });
});
