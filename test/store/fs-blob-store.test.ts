import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, after } from 'node:test';
import { InvalidConfig } from '../../src/errors/domain-errors.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { blobStoreConformance, listAll, streamOf } from './blob-store.conformance.js';
import { corruptFsObject } from './corrupt.js';

const tempRoot = () => mkdtemp(join(tmpdir(), 'headwater-fs-store-'));

blobStoreConformance('fs', async () => {
  const root = await tempRoot();
  const store = new FsBlobStore(join(root, 'store'));
  return {
    store,
    corrupt: (key) => corruptFsObject(store, key),
    dispose: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('FsBlobStore', () => {
  const roots: string[] = [];
  const fresh = async () => {
    const root = await tempRoot();
    roots.push(root);
    return { root, store: new FsBlobStore(root) };
  };
  after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  it('keeps each key at its path under the root, never outside it', async () => {
    const { root, store } = await fresh();
    await store.put('chunks/ab/abcdef', Buffer.from('x'));
    assert.equal(store.pathOf('chunks/ab/abcdef'), join(root, 'chunks', 'ab', 'abcdef'));
    assert.equal((await stat(join(root, 'chunks', 'ab', 'abcdef'))).size, 1);
    assert.throws(() => store.pathOf('../outside'), InvalidConfig);
    assert.throws(() => store.pathOf('a/../../outside'), InvalidConfig);
  });

  it('leaves no temporary files after puts, failed puts and aborted streams', async () => {
    const { root, store } = await fresh();
    await store.put('t/a', Buffer.from('one'));
    await store.put('t/a', Buffer.from('two'));
    await assert.rejects(store.put('t/b', Buffer.from('x'), { sha256: '0'.repeat(64) }));
    await assert.rejects(store.putStream('t/c', streamOf(Buffer.alloc(3 << 20), 1 << 20, 2 << 20)));
    assert.deepEqual(await readdir(join(root, 't')), ['a']);
  });

  it('does not list hidden files or names that are not valid keys', async () => {
    const { root, store } = await fresh();
    await store.put('d/ok', Buffer.from('x'));
    await writeFile(join(root, 'd', '.ok.1234.tmp'), 'half-written');
    await writeFile(join(root, 'd', 'has space'), 'dropped by hand');
    assert.deepEqual(
      (await listAll(store, '')).map((e) => e.key),
      ['d/ok'],
    );
  });

  it('refuses a key whose prefix is an object, with a clear error', async () => {
    const { store } = await fresh();
    await store.put('x/file', Buffer.from('x'));
    await assert.rejects(store.put('x/file/below', Buffer.from('y')), (err: unknown) => {
      assert.ok(err instanceof InvalidConfig);
      assert.match(err.message, /cannot store 'x\/file\/below'/);
      return true;
    });
    assert.equal(await store.has('x/file/below'), false);
  });

  it('treats a directory as no object', async () => {
    const { root, store } = await fresh();
    await mkdir(join(root, 'dir', 'sub'), { recursive: true });
    assert.equal(await store.has('dir/sub'), false);
    await assert.rejects(store.get('dir/sub'), { type: 'NotFound' });
    await assert.rejects(store.getStream('dir/sub'), { type: 'NotFound' });
    await store.delete('dir/sub');
  });

  it('lists nothing from a root that does not exist yet', async () => {
    const { root } = await fresh();
    const store = new FsBlobStore(join(root, 'not', 'yet'));
    assert.deepEqual(await listAll(store, ''), []);
    assert.equal(store.describe(), `fs:${join(root, 'not', 'yet')}`);
  });
});
