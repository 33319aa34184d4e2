import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConnectionRegistry } from '../../src/config/connections.js';
import { StoreConfig } from '../../src/config/schema.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { MongoBlobStore } from '../../src/store/mongo-blob-store.js';
import { RetryingBlobStore } from '../../src/store/retrying-blob-store.js';
import { S3BlobStore } from '../../src/store/s3-blob-store.js';
import { createBackend, createBlobStore } from '../../src/store/create-blob-store.js';
import { services, uniqueName } from '../harness/services.js';

describe('createBlobStore', () => {
  const connections = new ConnectionRegistry({
    head: { uri: services.head.uri, readPreference: 'primary', readPreferenceTags: [] },
  });
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
    await connections.close();
  });

  it('builds an fs store wrapped in retries from its config', async () => {
    const root = await mkdtemp(join(tmpdir(), 'headwater-factory-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const store = createBlobStore(StoreConfig.parse({ type: 'fs', path: root }), { connections });
    assert.ok(store instanceof RetryingBlobStore);
    assert.ok(store.inner instanceof FsBlobStore);
    await store.put('a', Buffer.from('x'));
    assert.deepEqual(await store.get('a'), Buffer.from('x'));
  });

  it('builds a mongo store on the registry client for the named connection', async () => {
    const database = uniqueName('hw_factory');
    const store = createBackend(StoreConfig.parse({ type: 'mongo', connection: 'head', database }), {
      connections,
    });
    cleanups.push(() => connections.client('head').db(database).dropDatabase());
    assert.ok(store instanceof MongoBlobStore);
    assert.equal(store.describe(), `mongo:head/${database}`);
    await store.put('a', Buffer.from('x'));
    assert.equal(await store.has('a'), true);
    assert.throws(
      () => createBackend(StoreConfig.parse({ type: 'mongo', connection: 'nope' }), { connections }),
      {
        type: 'ConnectionNotFound',
      },
    );
  });

  it('builds an s3 store with credentials from the named env vars', async () => {
    const config = StoreConfig.parse({
      type: 's3',
      bucket: services.minio.bucket,
      prefix: `test/${uniqueName('factory')}`,
      endpoint: services.minio.endpoint,
      forcePathStyle: true,
      accessKeyIdEnv: 'K',
      secretAccessKeyEnv: 'S',
    });
    const env = { K: services.minio.accessKeyId, S: services.minio.secretAccessKey };
    const store = createBlobStore(config, { connections, env });
    assert.ok(store instanceof RetryingBlobStore && store.inner instanceof S3BlobStore);
    await store.put('a', Buffer.from('x'));
    assert.deepEqual(await store.get('a'), Buffer.from('x'));
    await store.delete('a');
    assert.equal(await store.has('a'), false);
    assert.doesNotMatch(store.describe(), new RegExp(services.minio.secretAccessKey));
    await store.close();
  });
});
