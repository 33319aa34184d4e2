import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp, type MongoClient } from 'mongodb';
import { BlobKey, Keyring } from '../../src/codec/keys.js';
import { WrongKey } from '../../src/errors/domain-errors.js';
import type { Manifest } from '../../src/snapshot/manifest.js';
import { verifySnapshot } from '../../src/snapshot/verify-snapshot.js';
import { chunkKey } from '../../src/store/layout.js';
import { mongoClient } from '../harness/services.js';
import { corruptObject } from '../store/corrupt.js';
import { makeHead, makeStore, newJobId, snapshotNow, testCatalog, type StoreKind, type TestHead } from './fixtures.js';

const ts = (i: number) => new Timestamp({ t: 1_700_002_000 + i, i: 1 });

/** The middle chunk of a collection, one no other collection of the snapshot uses. */
function middleChunk(m: Manifest, ns: string): string {
  const chunks = m.collections.find((c) => c.ns === ns)!.chunks;
  assert.ok(chunks.length >= 3, `${ns} has several chunks`);
  return chunks[Math.floor(chunks.length / 2)]!.id;
}

describe('snapshot verify', () => {
  let head: MongoClient;
  let cat: ReturnType<typeof testCatalog>;
  let h: TestHead;

  before(async () => {
    head = mongoClient('head');
    cat = testCatalog(head);
    h = await makeHead(head, cat.catalog, { jobId: newJobId('v'), collections: [{ name: 'a', count: 1500 }, { name: 'b', count: 200, size: 'medium' }] });
  });
  after(async () => {
    await h.drop();
    await cat.drop();
    await head.close();
  });

  for (const kind of ['fs', 's3', 'mongo'] as StoreKind[]) {
    it(`${kind} store: passes an intact snapshot, then names a flipped chunk and its collection`, async () => {
      const t = await makeStore(kind, head);
      try {
        const m = await snapshotNow({ head, store: t.store, catalog: cat.catalog, plan: h.plan, ts: ts(1) });
        const ok = await verifySnapshot({ store: t.store, manifest: m });
        assert.equal(ok.ok, true);
        assert.equal(ok.chunksRead, ok.chunks);
        assert.ok(ok.collections.every((c) => c.ok && c.count.actual === c.count.expected));

        const bad = middleChunk(m, 'src.b');
        await corruptObject(t.store, chunkKey(bad));
        const r = await verifySnapshot({ store: t.store, manifest: m });
        assert.equal(r.ok, false);
        assert.deepEqual(r.badChunks.map((b) => [b.chunk, b.collections]), [[bad, ['src.b']]], 'exactly the flipped chunk, with its collection');
        assert.equal(r.badChunks[0]!.type, 'ChecksumMismatch');
        assert.match(r.badChunks[0]!.error, new RegExp(bad));
        assert.deepEqual(r.collections.map((c) => [c.ns, c.ok, c.readable]), [['src.a', true, true], ['src.b', false, false]]);
      } finally {
        await t.cleanup();
      }
    });
  }

  it('reports a missing chunk as not found, and a sealed chunk with a flipped byte', async () => {
    const t = await makeStore('fs', head);
    const key = new BlobKey(Buffer.alloc(32, 3), 'k1');
    try {
      const m = await snapshotNow({ head, store: t.store, catalog: cat.catalog, plan: h.plan, ts: ts(2), codec: { compression: 'zstd', key } });
      const keyring = new Keyring([key]);
      assert.equal((await verifySnapshot({ store: t.store, manifest: m, keyring })).ok, true);
      // A missing or wrong key is one clear error, not every chunk reported as damaged.
      await assert.rejects(verifySnapshot({ store: t.store, manifest: m }), (e: Error) => e instanceof WrongKey && /encrypted with key 'k1', which was not given/.test(e.message));
      const impostor = new Keyring([new BlobKey(Buffer.alloc(32, 4), 'k1')]);
      await assert.rejects(verifySnapshot({ store: t.store, manifest: m, keyring: impostor }), (e: Error) => e instanceof WrongKey && new RegExp(`fingerprint ${key.fingerprint}`).test(e.message));
      const missing = middleChunk(m, 'src.a');
      const flipped = middleChunk(m, 'src.b');
      await t.store.delete(chunkKey(missing));
      await corruptObject(t.store, chunkKey(flipped));
      const r = await verifySnapshot({ store: t.store, manifest: m, keyring });
      const byChunk = new Map(r.badChunks.map((b) => [b.chunk, b]));
      assert.equal(byChunk.get(missing)?.type, 'NotFound');
      assert.deepEqual(byChunk.get(missing)?.collections, ['src.a']);
      assert.equal(byChunk.get(flipped)?.type, 'ChecksumMismatch');
      assert.match(byChunk.get(flipped)!.error, /authentication failed/);
    } finally {
      await t.cleanup();
    }
  });

  it('checks counts and content hashes against the manifest, not only chunk hashes', async () => {
    const t = await makeStore('fs', head);
    try {
      const m = await snapshotNow({ head, store: t.store, catalog: cat.catalog, plan: h.plan, ts: ts(3) });
      const lying: Manifest = { ...m, collections: m.collections.map((c) => (c.ns === 'src.a' ? { ...c, count: c.count + 1, contentHash: 'f'.repeat(64) } : c)) };
      const r = await verifySnapshot({ store: t.store, manifest: lying });
      assert.equal(r.ok, false);
      assert.deepEqual(r.badChunks, []);
      const a = r.collections.find((c) => c.ns === 'src.a')!;
      assert.equal(a.readable, true);
      assert.equal(a.count.actual, m.collections.find((c) => c.ns === 'src.a')!.count);
      assert.notEqual(a.contentHash.actual, a.contentHash.expected);
    } finally {
      await t.cleanup();
    }
  });
});
