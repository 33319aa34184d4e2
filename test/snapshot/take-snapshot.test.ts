import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp, type MongoClient } from 'mongodb';
import { BlobKey, Keyring } from '../../src/codec/keys.js';
import { WrongKey } from '../../src/errors/domain-errors.js';
import { tsToString } from '../../src/lib/bson.js';
import { decodeSnapshot } from '../../src/snapshot/decode-snapshot.js';
import { fromManifestJson, manifestChunkIds, type Manifest } from '../../src/snapshot/manifest.js';
import { readSnapshot } from '../../src/snapshot/read-snapshot.js';
import { discardSnapshot } from '../../src/snapshot/commit-snapshot.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { CHUNKS_PREFIX, MANIFESTS_PREFIX, parseChunkKey } from '../../src/store/layout.js';
import { digest } from '../harness/compare.js';
import { mongoClient } from '../harness/services.js';
import {
  changeDocuments,
  headDocuments,
  headIndexes,
  makeHead,
  makeStore,
  newJobId,
  snapshotNow,
  testCatalog,
  SMALL_CHUNKS,
  type TestHead,
  type TestStore,
} from './fixtures.js';

const COLLS = ['blobs', 'empty', 'users'];
const ts = (i: number) => new Timestamp({ t: 1_700_001_000 + i, i: 1 });

async function headState(head: MongoClient, h: TestHead) {
  const state = new Map<string, { docs: Buffer[]; indexes: unknown[] }>();
  for (const c of COLLS) state.set(`${h.db}.${c}`, { docs: await headDocuments(head, h.headDb, c), indexes: await headIndexes(head, h.headDb, c) });
  return state;
}

async function assertDecodesTo(t: TestStore, manifest: Manifest, state: Awaited<ReturnType<typeof headState>>, keyring?: Keyring) {
  const decoded = await decodeSnapshot(t.store, manifest, keyring);
  assert.deepEqual([...decoded.keys()].sort(), [...state.keys()].sort(), 'the snapshot holds every head collection');
  for (const [ns, want] of state) {
    const got = decoded.get(ns)!;
    assert.equal(got.length, want.docs.length, `${ns}: document count`);
    assert.ok(got.every((doc, i) => doc.equals(want.docs[i]!)), `${ns}: every document byte for byte, in _id order`);
    const c = manifest.collections.find((m) => m.ns === ns)!;
    assert.deepEqual(c.indexes.map(fromManifestJson), want.indexes, `${ns}: indexes`);
  }
}

async function storedChunkIds(t: TestStore): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const e of t.store.list(CHUNKS_PREFIX)) ids.add(parseChunkKey(e.key)!);
  return ids;
}

describe('snapshots of a real head', () => {
  let head: MongoClient;
  let cat: ReturnType<typeof testCatalog>;
  let h: TestHead;
  let fs: TestStore;

  before(async () => {
    head = mongoClient('head');
    cat = testCatalog(head);
    h = await makeHead(head, cat.catalog, {
      jobId: newJobId(),
      collections: [
        { name: 'users', count: 6000 },
        { name: 'blobs', count: 600, size: 'medium' },
        { name: 'empty', count: 0 },
      ],
    });
    fs = await makeStore('fs', head);
  });
  after(async () => {
    await h.drop();
    await cat.drop();
    await fs.cleanup();
    await head.close();
  });

  it('decodes both snapshots to exactly the head at their timestamps; the second stores only new chunks, a small share', async () => {
    const first = await snapshotNow({ head, store: fs.store, catalog: cat.catalog, plan: h.plan, ts: ts(1) });
    const before = await headState(head, h);
    const changed = await changeDocuments(head, h.headDb, 'users', 0.01, 'recent') + (await changeDocuments(head, h.headDb, 'blobs', 0.01, 'recent'));
    assert.equal(changed, 66);
    const second = await snapshotNow({ head, store: fs.store, catalog: cat.catalog, plan: h.plan, ts: ts(2) });

    await assertDecodesTo(fs, first, before);
    await assertDecodesTo(fs, second, await headState(head, h));
    for (const c of second.collections) {
      const d = await digest(head, h.headDb, c.ns.slice(h.db.length + 1));
      assert.equal(c.count, d.count, `${c.ns}: manifest count`);
      assert.equal(c.contentHash, d.hash, `${c.ns}: manifest content hash equals the head's`);
    }
    const ids1 = manifestChunkIds(first);
    const ids2 = manifestChunkIds(second);
    const onlyInSecond = [...ids2].filter((id) => !ids1.has(id));
    assert.equal(second.totals.newChunks, onlyInSecond.length, 'the second stored exactly the chunks the first lacks');
    assert.deepEqual(await storedChunkIds(fs), new Set([...ids1, ...ids2]), 'the store holds exactly the chunks both list');
    const share = second.totals.newStoredBytes / first.totals.newStoredBytes;
    assert.ok(share > 0 && share <= 0.05, `second snapshot stored ${(share * 100).toFixed(2)}% of the first (goal <= 5%)`);
    const rec = await cat.catalog.snapshots.get(snapshotId(h.jobId, ts(2)));
    assert.equal(tsToString(rec.ts), second.ts);
    assert.equal(rec.newStoredBytes, second.totals.newStoredBytes);
  });

  it('with changes spread through a collection, stores only the chunks that changed and still decodes exactly', async () => {
    const known = await storedChunkIds(fs);
    await changeDocuments(head, h.headDb, 'users', 0.01, 'spread');
    const third = await snapshotNow({ head, store: fs.store, catalog: cat.catalog, plan: h.plan, ts: ts(3) });
    await assertDecodesTo(fs, third, await headState(head, h));
    const fresh = [...manifestChunkIds(third)].filter((id) => !known.has(id));
    assert.equal(third.totals.newChunks, fresh.length);
    assert.ok(third.totals.newChunks < third.totals.chunks, 'unchanged chunks were reused');
  });

  it('encrypts with a key: decodes with it, refuses without it, and never reuses chunks stored in clear', async () => {
    const key = new BlobKey(Buffer.alloc(32, 7), 'test-key');
    const clear = await storedChunkIds(fs);
    const sealed = await snapshotNow({ head, store: fs.store, catalog: cat.catalog, plan: h.plan, ts: ts(4), codec: { compression: 'zstd', key } });
    assert.equal(sealed.codec.encryption, 'aes-256-gcm');
    assert.equal(sealed.codec.keyId, 'test-key');
    assert.equal(sealed.totals.newChunks, sealed.totals.chunks, 'every chunk was stored anew, sealed');
    assert.ok([...manifestChunkIds(sealed)].every((id) => !clear.has(id)), 'no id is shared with clear chunks');
    await assertDecodesTo(fs, sealed, await headState(head, h), new Keyring([key]));
    await assert.rejects(decodeSnapshot(fs.store, sealed, new Keyring()), (err) => err instanceof WrongKey && /test-key/.test(err.message));
    const someChunk = await fs.store.get(`${CHUNKS_PREFIX}${sealed.collections[2]!.chunks[0]!.id.slice(0, 2)}/${sealed.collections[2]!.chunks[0]!.id}`);
    assert.ok(!someChunk.includes(Buffer.from('doc-')), 'no plaintext in a sealed chunk');
  });

  for (const compression of ['gzip', 'none'] as const) {
    it(`decodes the same documents with ${compression}`, async () => {
      const t = await makeStore('fs', head);
      try {
        const m = await snapshotNow({ head, store: t.store, catalog: cat.catalog, plan: h.plan, ts: ts(5), codec: { compression } });
        assert.equal(m.codec.compression, compression);
        await assertDecodesTo(t, m, await headState(head, h));
      } finally {
        await t.cleanup();
      }
    });
  }

  it('reading again at a committed timestamp writes nothing; an uncommitted read is never listed', async () => {
    const again = await readSnapshot({ head, store: fs.store, plan: h.plan, ts: ts(2), codec: { compression: 'zstd' }, chunker: SMALL_CHUNKS });
    assert.equal(again.alreadyTaken, true);
    const staged = await readSnapshot({ head, store: fs.store, plan: h.plan, ts: ts(9), codec: { compression: 'zstd' }, chunker: SMALL_CHUNKS });
    assert.equal(staged.alreadyTaken, false);
    assert.ok(staged.key.startsWith('staging/'));
    const manifests: string[] = [];
    for await (const e of fs.store.list(MANIFESTS_PREFIX)) manifests.push(e.key);
    assert.ok(!manifests.some((k) => k.endsWith(`${snapshotId(h.jobId, ts(9)).split('/')[1]}.json`)), 'no manifest for the uncommitted read');
    assert.equal(await cat.catalog.snapshots.find(snapshotId(h.jobId, ts(9))), undefined, 'no catalog record');
    await discardSnapshot(fs.store, h.jobId, ts(9));
    assert.equal(await fs.store.has(staged.key), false);
  });
});
