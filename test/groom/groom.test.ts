import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp, type MongoClient } from 'mongodb';
import { RetentionPolicy } from '../../src/contracts/snapshot.js';
import { SnapshotAbandoned } from '../../src/errors/domain-errors.js';
import { expireSnapshots } from '../../src/groom/expire.js';
import { acquireWriterLease, StoreLeases } from '../../src/groom/store-leases.js';
import { sweepStore } from '../../src/groom/sweep.js';
import { tsToString } from '../../src/lib/bson.js';
import { commitSnapshot } from '../../src/snapshot/commit-snapshot.js';
import { manifestChunkIds, type Manifest } from '../../src/snapshot/manifest.js';
import { readSnapshot } from '../../src/snapshot/read-snapshot.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { verifySnapshot } from '../../src/snapshot/verify-snapshot.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { CHUNKS_PREFIX, MANIFESTS_PREFIX, manifestKey, parseChunkKey } from '../../src/store/layout.js';
import { mongoClient } from '../harness/services.js';
import { changeDocuments, makeHead, makeStore, newJobId, snapshotNow, testCatalog, SMALL_CHUNKS, type TestHead } from '../snapshot/fixtures.js';

const DAY = 86_400;
const BASE = Date.UTC(2024, 0, 1) / 1000; // Monday 1 Jan 2024, 00:00 UTC
const at = (days: number, hours = 0) => new Timestamp({ t: BASE + days * DAY + hours * 3600, i: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function chunkIdsIn(store: BlobStore): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const e of store.list(CHUNKS_PREFIX)) ids.add(parseChunkKey(e.key)!);
  return ids;
}

async function manifestKeysIn(store: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const e of store.list(MANIFESTS_PREFIX)) keys.push(e.key);
  return keys;
}

describe('groom', () => {
  let head: MongoClient;
  let cat: ReturnType<typeof testCatalog>;
  let h: TestHead;
  let leases: StoreLeases;

  before(async () => {
    head = mongoClient('head');
    cat = testCatalog(head);
    leases = new StoreLeases(cat.catalog);
    h = await makeHead(head, cat.catalog, { jobId: newJobId('g'), collections: [{ name: 'c', count: 1500 }] });
  });
  after(async () => {
    await h.drop();
    await cat.drop();
    await head.close();
  });

  it('keeps exactly the snapshots, chunks and oplog slices the policy needs', async () => {
    const t = await makeStore('fs', head);
    const slices = await makeStore('fs', head);
    try {
      const manifests: Manifest[] = [];
      for (let day = 0; day < 6; day += 1) {
        manifests.push(await snapshotNow({ head, store: t.store, catalog: cat.catalog, plan: h.plan, ts: at(day, 12), storeId: 'snaps' }));
        await changeDocuments(head, h.headDb, 'c', 0.02, 'recent');
      }
      for (let hour = 0; hour < 6 * 24; hour += 6) {
        const key = `slices/${h.jobId}/oplog/${String(hour).padStart(6, '0')}`;
        await slices.store.put(key, Buffer.from(`slice ${hour}`));
        await cat.catalog.slices.record({
          _id: key, jobId: h.jobId, stream: 'oplog', seq: hour, count: 1, bytes: 1, storedBytes: 1, sha256: 'x', store: 'slices',
          firstTs: at(0, hour), lastTs: at(0, hour + 5), prevTs: at(0, hour - 1), createdAt: new Date(),
        });
      }
      // Daily 3 keeps days 5, 4, 3; a 60-hour window from day 5 18:00 starts at day 3 06:00: its base is day 2.
      const policy = RetentionPolicy.parse({ keep: { hourly: 0, daily: 3, weekly: 0, monthly: 0 }, pointInTimeHours: 60 });
      const now = (at(5, 18).high >>> 0) * 1000;
      const storeOf = (id: string) => (id === 'snaps' ? t.store : slices.store);
      const r = await expireSnapshots({ catalog: cat.catalog, jobId: h.jobId, policy, now, storeOf });

      const id = (day: number) => snapshotId(h.jobId, at(day, 12));
      assert.deepEqual(r.kept.map((k) => k.snapshotId), [id(5), id(4), id(3), id(2)]);
      assert.deepEqual(r.kept.find((k) => k.snapshotId === id(2))!.reasons, ['point-in-time']);
      assert.deepEqual(r.deleted, [id(1), id(0)]);
      assert.equal(r.sliceFloor, tsToString(at(2, 12)));
      assert.deepEqual((await cat.catalog.snapshots.list(h.jobId)).map((s) => s._id), [id(2), id(3), id(4), id(5)]);
      assert.deepEqual(await manifestKeysIn(t.store), [2, 3, 4, 5].map((d) => manifestKey(h.jobId, at(d, 12))));

      // Slices ending before day 2 12:00 are gone, object and record; every later one stays.
      const left = await cat.catalog.slices.oplog(h.jobId);
      assert.ok(left.every((s) => !s.lastTs!.lt(at(2, 12))));
      assert.equal(r.slicesDeleted, 24 - left.length);
      assert.equal(left.length, 24 - 10, 'the 10 slices ending at 05:00, 11:00 .. 59:00 were deleted');
      for await (const e of slices.store.list('slices/')) assert.ok(left.some((s) => s._id === e.key), `${e.key} has a record`);

      const sweep = await sweepStore({ store: t.store, storeId: 'snaps', leases, owner: 'groom-1', ttlMs: 60_000 });
      assert.equal(sweep.status, 'swept');
      const keptIds = new Set(manifests.slice(2).flatMap((m) => [...manifestChunkIds(m)]));
      assert.deepEqual(await chunkIdsIn(t.store), keptIds, 'exactly the chunks of the kept snapshots remain');
      assert.ok(sweep.chunksDeleted > 0);
      for (const m of manifests.slice(2)) assert.equal((await verifySnapshot({ store: t.store, manifest: m })).ok, true);
    } finally {
      await t.cleanup();
      await slices.cleanup();
    }
  });

  it('never deletes the chunks a snapshot being written relies on', async () => {
    const t = await makeStore('fs', head);
    try {
      // Snapshot A's manifest is gone (expired): its chunks are unreferenced, but identical to what B will read.
      const a = await snapshotNow({ head, store: t.store, catalog: cat.catalog, plan: h.plan, ts: at(10), storeId: 'w' });
      await t.store.delete(manifestKey(h.jobId, at(10)));
      await acquireWriterLease(leases, { store: 'w', owner: 'snap-b', ttlMs: 60_000 });
      const b = await readSnapshot({ head, store: t.store, plan: h.plan, ts: at(11), codec: { compression: 'zstd' }, chunker: SMALL_CHUNKS });
      assert.equal(b.manifest.totals.newChunks, 0, 'B relies on chunks already stored');
      const skipped = await sweepStore({ store: t.store, storeId: 'w', leases, owner: 'groom-2', ttlMs: 60_000 });
      assert.equal(skipped.status, 'skipped');
      assert.match(skipped.reason!, /snap-b/);
      assert.deepEqual(await chunkIdsIn(t.store), manifestChunkIds(a), 'nothing was deleted');
      await commitSnapshot({ store: t.store, storeId: 'w', catalog: cat.catalog, jobId: h.jobId, ts: at(11), leaseHeld: await leases.renew('w', 'writer', 'snap-b', 60_000) });
      await leases.release('w', 'writer', 'snap-b');
      const swept = await sweepStore({ store: t.store, storeId: 'w', leases, owner: 'groom-2', ttlMs: 60_000 });
      assert.equal(swept.status, 'swept');
      assert.equal(swept.chunksDeleted, 0, "every chunk belongs to B's manifest now");
      assert.equal((await verifySnapshot({ store: t.store, manifest: b.manifest })).ok, true);
    } finally {
      await t.cleanup();
    }
  });

  it('makes a snapshot wait while a sweep runs', async () => {
    assert.equal(await leases.acquireSweeper('x', 'groom-3', 60_000), true);
    let acquired = false;
    const writer = acquireWriterLease(leases, { store: 'x', owner: 'snap-c', ttlMs: 60_000, pollMs: 100 }).then(() => (acquired = true));
    await sleep(800);
    assert.equal(acquired, false, 'the writer waits for the sweep');
    assert.equal((await leases.liveWriters('x')).length, 1, 'but has registered, so no new sweep starts');
    assert.equal(await leases.acquireSweeper('x', 'groom-4', 60_000), false, 'and a second sweep is refused');
    await leases.release('x', 'sweeper', 'groom-3');
    await writer;
    assert.equal(acquired, true);
    await leases.release('x', 'writer', 'snap-c');
  });

  it('leaves every committed snapshot complete whatever the interleaving of a snapshot and a sweep', async () => {
    const t = await makeStore('fs', head);
    try {
      for (const [round, delay] of [0, 3, 10, 30, 100, 300].entries()) {
        for (const key of await manifestKeysIn(t.store)) await t.store.delete(key); // every chunk unreferenced
        const ts = at(20 + round);
        const owner = `snap-r${round}`;
        const snapshot = (async () => {
          await acquireWriterLease(leases, { store: 'r', owner, ttlMs: 60_000, pollMs: 20 });
          try {
            await readSnapshot({ head, store: t.store, plan: h.plan, ts, codec: { compression: 'zstd' }, chunker: SMALL_CHUNKS });
            return await commitSnapshot({ store: t.store, storeId: 'r', catalog: cat.catalog, jobId: h.jobId, ts, leaseHeld: await leases.renew('r', 'writer', owner, 60_000) });
          } finally {
            await leases.release('r', 'writer', owner);
          }
        })();
        const sweep = sleep(delay).then(() => sweepStore({ store: t.store, storeId: 'r', leases, owner: `groom-r${round}`, ttlMs: 60_000 }));
        const [{ manifest }] = await Promise.all([snapshot, sweep]);
        const report = await verifySnapshot({ store: t.store, manifest });
        assert.equal(report.ok, true, `round ${round} (sweep after ${delay} ms): ${JSON.stringify(report.badChunks)}`);
      }
    } finally {
      await t.cleanup();
    }
  });

  it('abandons a snapshot whose lease lapsed and whose staged manifest a sweep removed', async () => {
    const t = await makeStore('fs', head);
    try {
      await acquireWriterLease(leases, { store: 'l', owner: 'snap-slow', ttlMs: 200 });
      await readSnapshot({ head, store: t.store, plan: h.plan, ts: at(31), codec: { compression: 'zstd' }, chunker: SMALL_CHUNKS });
      await sleep(300);
      const sweep = await sweepStore({ store: t.store, storeId: 'l', leases, owner: 'groom-5', ttlMs: 60_000 });
      assert.equal(sweep.status, 'swept', 'the lapsed writer no longer holds the sweep off');
      const leaseHeld = await leases.renew('l', 'writer', 'snap-slow', 60_000);
      assert.equal(leaseHeld, false);
      await assert.rejects(
        commitSnapshot({ store: t.store, storeId: 'l', catalog: cat.catalog, jobId: h.jobId, ts: at(31), leaseHeld }),
        (err) => err instanceof SnapshotAbandoned && /staged manifest is gone/.test(err.message),
      );
      assert.equal(await t.store.has(manifestKey(h.jobId, at(31))), false, 'no manifest');
      assert.equal(await cat.catalog.snapshots.find(snapshotId(h.jobId, at(31))), undefined, 'no catalog record');
    } finally {
      await t.cleanup();
    }
  });

  it('abandons a snapshot whose lease lapsed while a sweep deleted chunks it had found present', async () => {
    const t = await makeStore('fs', head);
    try {
      await snapshotNow({ head, store: t.store, catalog: cat.catalog, plan: h.plan, ts: at(32), storeId: 'm' });
      await t.store.delete(manifestKey(h.jobId, at(32))); // its chunks are now unreferenced
      await acquireWriterLease(leases, { store: 'm', owner: 'snap-slow2', ttlMs: 200 });
      const gate = new StagingGate(t.store);
      const read = readSnapshot({ head, store: gate, plan: h.plan, ts: at(33), codec: { compression: 'zstd' }, chunker: SMALL_CHUNKS });
      await gate.reached; // every chunk was checked (and found), the manifest is about to be staged
      await sleep(300);
      const sweep = await sweepStore({ store: t.store, storeId: 'm', leases, owner: 'groom-6', ttlMs: 60_000 });
      assert.ok(sweep.chunksDeleted > 0, 'the sweep deleted the chunks the read relied on');
      gate.open();
      const staged = await read;
      assert.equal(staged.manifest.totals.newChunks, 0);
      const leaseHeld = await leases.renew('m', 'writer', 'snap-slow2', 60_000);
      await assert.rejects(
        commitSnapshot({ store: t.store, storeId: 'm', catalog: cat.catalog, jobId: h.jobId, ts: at(33), leaseHeld }),
        (err) => err instanceof SnapshotAbandoned && /was swept while the snapshot's lease had lapsed/.test(err.message),
      );
      assert.equal(await t.store.has(manifestKey(h.jobId, at(33))), false, 'no manifest');
      assert.equal(await cat.catalog.snapshots.find(snapshotId(h.jobId, at(33))), undefined, 'no catalog record');
    } finally {
      await t.cleanup();
    }
  });

  it('never deletes oplog slices an unfinished resync still applies', async () => {
    const t = await makeStore('fs', head);
    const jobId = newJobId('gs');
    try {
      await cat.catalog.syncs.recordPlan({ ...h.plan, _id: `${jobId}/1`, jobId });
      const { consistentAt: _done, ...unfinished } = h.plan;
      await cat.catalog.syncs.recordPlan({ ...unfinished, _id: `${jobId}/2`, jobId, syncNumber: 2, t0: at(1) });
      await cat.catalog.snapshots.record({
        _id: snapshotId(jobId, at(3)), jobId, syncNumber: 1, ts: at(3), store: 's', manifestKey: manifestKey(jobId, at(3)), compression: 'zstd',
        encryption: 'none', collections: 0, documents: 0, bytes: 0, chunks: 0, newChunks: 0, newStoredBytes: 0, createdAt: new Date(),
      });
      for (const day of [0, 1, 2]) {
        await cat.catalog.slices.record({
          _id: `slices/${jobId}/oplog/${day}`, jobId, stream: 'oplog', seq: day, count: 1, bytes: 1, storedBytes: 1, sha256: 'x', store: 's',
          firstTs: at(day), lastTs: at(day, 12), prevTs: at(day, -1), createdAt: new Date(),
        });
      }
      const r = await expireSnapshots({ catalog: cat.catalog, jobId, policy: RetentionPolicy.parse({}), now: (at(4).high >>> 0) * 1000, storeOf: () => t.store });
      assert.equal(r.sliceFloor, tsToString(at(1)), 'the floor stops at the resync T0');
      assert.deepEqual((await cat.catalog.slices.oplog(jobId)).map((s) => s._id), [1, 2].map((d) => `slices/${jobId}/oplog/${d}`));
    } finally {
      await t.cleanup();
    }
  });
});

/** A real store whose put of a staged manifest waits until opened, to interleave a sweep at that point. */
class StagingGate implements BlobStore {
  reached: Promise<void>;
  private arrive!: () => void;
  private release!: () => void;
  private readonly released = new Promise<void>((r) => (this.release = r));
  constructor(private readonly inner: BlobStore) {
    this.reached = new Promise((r) => (this.arrive = r));
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  open(): void {
    this.release();
  }
  async put(key: string, bytes: Uint8Array, opts?: Parameters<BlobStore['put']>[2]) {
    if (key.startsWith('staging/')) {
      this.arrive();
      await this.released;
    }
    return this.inner.put(key, bytes, opts);
  }
  putStream: BlobStore['putStream'] = (k, s, o) => this.inner.putStream(k, s, o);
  get: BlobStore['get'] = (k) => this.inner.get(k);
  getStream: BlobStore['getStream'] = (k) => this.inner.getStream(k);
  has: BlobStore['has'] = (k) => this.inner.has(k);
  list: BlobStore['list'] = (p) => this.inner.list(p);
  delete: BlobStore['delete'] = (k) => this.inner.delete(k);
  describe: BlobStore['describe'] = () => this.inner.describe();
  close: BlobStore['close'] = () => this.inner.close();
}
