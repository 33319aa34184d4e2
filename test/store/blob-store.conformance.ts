/**
 * The one conformance suite every BlobStore backend must pass (PBM's and restic's backend tests): the
 * contracts written on the interface in src/store/blob-store.ts, checked against a real service. Each
 * test gets a fresh, empty store from the backend's factory and disposes of it afterwards.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ChecksumMismatch, InvalidConfig, NotFound } from '../../src/errors/domain-errors.js';
import type { BlobEntry, BlobStore } from '../../src/store/blob-store.js';

export interface ConformanceSubject {
  store: BlobStore;
  /** Flips one byte of a stored object behind the store's back (test/store/corrupt.ts). */
  corrupt(key: string): Promise<void>;
  /** Closes the store and removes everything it holds. */
  dispose(): Promise<void>;
}

const MiB = 1024 * 1024;
/** Above MongoDB's 16 MiB document limit and above two S3 parts of the default 8 MiB. */
const LARGE = 17 * MiB + 12_345;

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export async function listAll(store: BlobStore, prefix: string): Promise<BlobEntry[]> {
  const out: BlobEntry[] = [];
  for await (const e of store.list(prefix)) out.push(e);
  return out;
}

/** A stream of `bytes` in `chunk`-sized pieces, failing with `failWith` after `failAfter` bytes if given. */
export function streamOf(
  bytes: Buffer,
  chunk = MiB,
  failAfter?: number,
  failWith = new Error('source stream broke'),
): Readable {
  async function* pieces() {
    for (let at = 0; at < bytes.length; at += chunk) {
      if (failAfter !== undefined && at >= failAfter) throw failWith;
      yield bytes.subarray(at, at + chunk);
    }
    if (failAfter !== undefined) throw failWith;
  }
  return Readable.from(pieces(), { objectMode: false });
}

async function inPool<T>(items: T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

export function blobStoreConformance(name: string, open: () => Promise<ConformanceSubject>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    let store: BlobStore;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(() => subject.dispose());

    it('round-trips an object through put, get, getStream, has and list', async () => {
      const bytes = randomBytes(100_000);
      assert.deepEqual(await store.put('rt/a', bytes, { sha256: sha256(bytes) }), { created: true });
      assert.equal(sha256(await store.get('rt/a')), sha256(bytes));
      assert.equal(sha256(await collect(await store.getStream('rt/a'))), sha256(bytes));
      assert.equal(await store.has('rt/a'), true);
      assert.deepEqual(await listAll(store, 'rt/'), [{ key: 'rt/a', size: bytes.length }]);
    });

    it('throws NotFound naming the key and the store for a missing key', async () => {
      for (const read of [() => store.get('nope/x'), () => store.getStream('nope/x')]) {
        await assert.rejects(read(), (err: unknown) => {
          assert.ok(err instanceof NotFound, `expected NotFound, got ${String(err)}`);
          assert.match(err.message, /'nope\/x'/);
          assert.ok(err.message.includes(store.describe()), err.message);
          return true;
        });
      }
      assert.equal(await store.has('nope/x'), false);
    });

    it('stores an empty object', async () => {
      assert.deepEqual(await store.put('empty/e', new Uint8Array(0), { sha256: sha256(new Uint8Array(0)) }), {
        created: true,
      });
      assert.equal((await store.get('empty/e')).length, 0);
      assert.equal((await collect(await store.getStream('empty/e'))).length, 0);
      assert.equal(await store.has('empty/e'), true);
      assert.deepEqual(await listAll(store, 'empty/'), [{ key: 'empty/e', size: 0 }]);
      const streamed = await store.putStream('empty/s', Readable.from([], { objectMode: false }));
      assert.deepEqual(streamed, { size: 0, sha256: sha256(new Uint8Array(0)) });
      assert.equal((await store.get('empty/s')).length, 0);
    });

    it('stores a large object with put (multipart / parts)', async () => {
      const bytes = randomBytes(LARGE);
      assert.deepEqual(await store.put('large/put', bytes, { sha256: sha256(bytes) }), { created: true });
      const back = await store.get('large/put');
      assert.equal(back.length, bytes.length);
      assert.equal(sha256(back), sha256(bytes));
      assert.equal(sha256(await collect(await store.getStream('large/put'))), sha256(bytes));
      assert.deepEqual(await listAll(store, 'large/'), [{ key: 'large/put', size: LARGE }]);
      assert.deepEqual(await store.put('large/put', bytes), { created: false });
    });

    it('stores a large object with putStream and reports its size and sha256', async () => {
      const bytes = randomBytes(LARGE);
      const result = await store.putStream('large/stream', streamOf(bytes, 3 * MiB + 7), {
        sha256: sha256(bytes),
      });
      assert.deepEqual(result, { size: LARGE, sha256: sha256(bytes) });
      assert.equal(sha256(await collect(await store.getStream('large/stream'))), sha256(bytes));
      assert.equal(sha256(await store.get('large/stream')), sha256(bytes));
    });

    it('stores a small object with putStream', async () => {
      const bytes = Buffer.from('a small slice');
      assert.deepEqual(await store.putStream('small/s', streamOf(bytes, 4)), {
        size: bytes.length,
        sha256: sha256(bytes),
      });
      assert.deepEqual(await store.get('small/s'), bytes);
    });

    it('lists by prefix in byte order of the key, including partial-segment prefixes', async () => {
      const keys = ['p/b', 'p/a/0', 'p/a-1', 'p/a.x', 'p/A', 'p/a/z/9', 'p/ab', 'q/a', 'p0', 'p/_', 'p/a~'];
      for (const k of keys) await store.put(k, Buffer.from(k));
      const expect = (prefix: string) => keys.filter((k) => k.startsWith(prefix)).sort();
      for (const prefix of ['p/', 'p/a', 'p/a/', 'p', '', 'q/', 'zz/']) {
        const listed = await listAll(store, prefix);
        assert.deepEqual(
          listed.map((e) => e.key),
          expect(prefix),
          `prefix '${prefix}'`,
        );
        for (const e of listed) assert.equal(e.size, Buffer.byteLength(e.key));
      }
    });

    it('lists more than 1,000 keys in order, each exactly once (exercises pagination)', async () => {
      const keys = Array.from(
        { length: 1_050 },
        (_, i) => `many/${(i * 7919) % 1_050}-${i % 3 === 0 ? 'x/y' : 'z'}`,
      );
      await inPool(keys, 32, (k) => store.put(k, Buffer.from(k)));
      const listed = (await listAll(store, 'many/')).map((e) => e.key);
      assert.equal(listed.length, 1_050);
      assert.deepEqual(listed, [...keys].sort());
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      await store.put('del/a', Buffer.from('x'));
      await store.put('del/b', randomBytes(LARGE));
      await store.delete('del/a');
      await store.delete('del/b');
      assert.equal(await store.has('del/a'), false);
      assert.equal(await store.has('del/b'), false);
      await assert.rejects(store.get('del/a'), NotFound);
      assert.deepEqual(await listAll(store, 'del/'), []);
      await store.delete('del/a');
      await store.delete('del/never');
    });

    it('put is idempotent for identical content and replaces different content', async () => {
      const one = randomBytes(5000);
      const two = randomBytes(5000);
      assert.deepEqual(await store.put('idem/k', one), { created: true });
      assert.deepEqual(await store.put('idem/k', one, { sha256: sha256(one) }), { created: false });
      assert.deepEqual(await store.get('idem/k'), one);
      assert.deepEqual(await store.put('idem/k', two), { created: true });
      assert.deepEqual(await store.get('idem/k'), two);
      assert.deepEqual(await listAll(store, 'idem/'), [{ key: 'idem/k', size: 5000 }]);
    });

    it('concurrent puts of the same content leave one intact object', async () => {
      const bytes = randomBytes(300_000);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.put('conc/same', bytes)));
      assert.ok(
        results.some((r) => r.created),
        'at least one put wrote the object',
      );
      assert.equal(sha256(await store.get('conc/same')), sha256(bytes));
      assert.deepEqual(await listAll(store, 'conc/'), [{ key: 'conc/same', size: bytes.length }]);
    });

    it('concurrent puts of different content leave exactly one of them, intact', async () => {
      const versions = Array.from({ length: 6 }, () => randomBytes(200_000));
      await Promise.all(versions.map((v) => store.put('conc/diff', v)));
      const got = sha256(await store.get('conc/diff'));
      assert.ok(
        versions.some((v) => sha256(v) === got),
        'stored object is one of the versions, not a mix',
      );
      assert.equal((await listAll(store, 'conc/')).length, 1);
    });

    it('refuses a put with a wrong sha256 and writes nothing', async () => {
      const bytes = randomBytes(1000);
      const wrong = sha256(Buffer.from('something else'));
      await assert.rejects(store.put('hash/new', bytes, { sha256: wrong }), ChecksumMismatch);
      assert.equal(await store.has('hash/new'), false);
      await store.put('hash/old', bytes);
      await assert.rejects(store.put('hash/old', randomBytes(1000), { sha256: wrong }), ChecksumMismatch);
      assert.deepEqual(await store.get('hash/old'), bytes);
      assert.deepEqual(
        (await listAll(store, 'hash/')).map((e) => e.key),
        ['hash/old'],
      );
    });

    it('refuses a putStream with a wrong sha256 and writes nothing, for small and large streams', async () => {
      const wrong = sha256(Buffer.from('something else'));
      for (const size of [1000, LARGE]) {
        await assert.rejects(
          store.putStream('hash/s', streamOf(randomBytes(size)), { sha256: wrong }),
          ChecksumMismatch,
        );
        assert.equal(await store.has('hash/s'), false, `size ${size}`);
      }
      assert.deepEqual(await listAll(store, 'hash/'), []);
    });

    it('an aborted putStream leaves no visible object and keeps the previous one', async () => {
      for (const failAfter of [0, 100, 10 * MiB]) {
        const source = streamOf(randomBytes(12 * MiB), MiB / 2, failAfter);
        await assert.rejects(store.putStream('abort/new', source), /source stream broke/);
        assert.equal(await store.has('abort/new'), false, `failing after ${failAfter} bytes`);
      }
      const old = randomBytes(2000);
      await store.put('abort/old', old);
      await assert.rejects(
        store.putStream('abort/old', streamOf(randomBytes(10 * MiB), MiB, 9 * MiB)),
        /broke/,
      );
      assert.deepEqual(await store.get('abort/old'), old);
      assert.deepEqual(
        (await listAll(store, 'abort/')).map((e) => e.key),
        ['abort/old'],
      );
    });

    it('lets the caller detect a flipped byte in a stored object', async () => {
      for (const [key, size] of [
        ['rot/small', 4096],
        ['rot/large', LARGE],
      ] as const) {
        const bytes = randomBytes(size);
        await store.put(key, bytes);
        await subject.corrupt(key);
        const back = await store.get(key);
        assert.equal(back.length, size);
        assert.notEqual(sha256(back), sha256(bytes), `${key} reads back different bytes`);
        assert.equal(back.compare(bytes) === 0, false);
        assert.notEqual(sha256(await collect(await store.getStream(key))), sha256(bytes));
        // Repair is delete then put.
        await store.delete(key);
        await store.put(key, bytes);
        assert.equal(sha256(await store.get(key)), sha256(bytes));
      }
    });

    it('refuses keys that could escape the store or are malformed', async () => {
      const bad = [
        '',
        '../x',
        'a/../b',
        '/abs',
        'a//b',
        'a/',
        'a/./b',
        '.hidden',
        'with space',
        'back\\slash',
        'é',
      ];
      for (const key of bad) {
        await assert.rejects(store.put(key, Buffer.from('x')), InvalidConfig, `put '${key}'`);
        await assert.rejects(store.get(key), InvalidConfig, `get '${key}'`);
        await assert.rejects(store.has(key), InvalidConfig, `has '${key}'`);
        await assert.rejects(store.delete(key), InvalidConfig, `delete '${key}'`);
      }
      await assert.rejects(listAll(store, '../'), InvalidConfig);
      await assert.rejects(listAll(store, '/abs'), InvalidConfig);
    });

    it('declares its capabilities and describes itself without secrets', () => {
      const c = store.capabilities;
      assert.equal(typeof c.atomicPut, 'boolean');
      assert.equal(typeof c.multipart, 'boolean');
      assert.ok(c.maxObjectBytes >= LARGE, 'accepts at least the large test object');
      assert.ok(store.describe().length > 0);
      assert.doesNotMatch(store.describe(), /secret|password/i);
    });
  });
}
