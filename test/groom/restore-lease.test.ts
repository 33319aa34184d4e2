import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Timestamp, type MongoClient } from 'mongodb';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { RestoreLeaseCatalog } from '../../src/catalog/restore-leases.js';
import { RetentionPolicy } from '../../src/contracts/snapshot.js';
import { NotFound } from '../../src/errors/domain-errors.js';
import { expireSnapshots } from '../../src/groom/expire.js';
import { holdRestore, keepRestore } from '../../src/restore/restore-lease.js';
import { restoreWindow, windowHolds } from '../../src/restore/restore-window.js';
import { mongoClient } from '../harness/services.js';
import { makeStore, newJobId, testCatalog, type TestStore } from '../snapshot/fixtures.js';

const DAY = 86_400;
const BASE = Date.UTC(2024, 0, 1) / 1000;
const at = (days: number) => new Timestamp({ t: BASE + days * DAY, i: 1 });

describe('groom beside a restore in progress', () => {
  let head: MongoClient;
  let cat: ReturnType<typeof testCatalog>;
  let fs: TestStore;
  const jobId = newJobId('rl');
  const snap = (day: number) => `${jobId}/${day}`;
  const planOf = (day: number) => ({ jobId, syncNumber: 1, snapshotId: snap(day), store: 'fs', manifestKey: `manifests/${snap(day)}.json`, snapshotTs: `${at(day).high}.1` });
  const recordSnapshot = async (day: number, job = jobId) => {
    const id = `${job}/${day}`;
    await fs.store.put(`manifests/${id}.json`, Buffer.from('{}'));
    await cat.catalog.snapshots.record({ _id: id, jobId: job, syncNumber: 1, ts: at(day), store: 'fs', manifestKey: `manifests/${id}.json`, compression: 'zstd', encryption: 'none', createdAt: new Date(), collections: 1, documents: 1, bytes: 1, chunks: 1, newChunks: 1, newStoredBytes: 1 });
  };
  /** Slices chained from `prev` to `last` (days), numbered in order. */
  const recordSlices = async (job: string, ranges: Array<[number, number]>) => {
    for (const [n, [prev, last]] of ranges.entries()) {
      const key = `slices/${job}/oplog/${n}`;
      await fs.store.put(key, Buffer.from('x'));
      await cat.catalog.slices.record({ _id: key, jobId: job, stream: 'oplog', syncNumber: 1, seq: n, count: 1, bytes: 1, storedBytes: 1, sha256: '0'.repeat(64), store: 'fs', prevTs: at(prev), firstTs: at(prev), lastTs: at(last), createdAt: new Date() });
    }
  };
  const listed = async () => (await cat.catalog.snapshots.list(jobId)).map((r) => r._id);
  /** The real catalog, with `step` run just before (`before`) or just after (`after`) groom reads the restore leases. */
  const groomReadingLeases = (when: 'before' | 'after', step: () => Promise<void>): Catalog => {
    const leases = Object.create(cat.catalog.restoreLeases) as RestoreLeaseCatalog;
    leases.live = async (id: string) => {
      if (when === 'before') await step();
      const live = await cat.catalog.restoreLeases.live(id);
      if (when === 'after') await step();
      return live;
    };
    return Object.assign(Object.create(cat.catalog) as Catalog, { restoreLeases: leases });
  };

  before(async () => {
    head = mongoClient('head');
    cat = testCatalog(head);
    fs = await makeStore('fs', head);
    for (const day of [0, 10]) await recordSnapshot(day);
    // Four slices chained from before the first snapshot to after the second.
    await recordSlices(jobId, [[-1, 0], [0, 5], [5, 10], [10, 11]]);
  });
  after(async () => {
    await cat.drop();
    await fs.cleanup();
    await head.close();
  });

  const expire = (catalog: Catalog = cat.catalog) => expireSnapshots({ catalog, jobId, policy: RetentionPolicy.parse({ keep: { hourly: 0, daily: 0, weekly: 0, monthly: 0 }, pointInTimeHours: 0 }), now: (BASE + 20 * DAY) * 1000, storeOf: () => fs.store });
  const slicesLeft = async () => (await cat.catalog.slices.oplog(jobId)).map((s) => s._id.split('/').at(-1));

  it('keeps the snapshot and the slices a live restore lease names, and frees them once it ends', async () => {
    await cat.catalog.restoreLeases.acquire({ _id: 'restore-1', jobId, snapshotId: snap(0), fromTs: at(0) }, 60_000);
    const held = await expire();
    assert.deepEqual(held.deleted, [], 'the leased snapshot is kept');
    assert.deepEqual(await slicesLeft(), ['0', '1', '2', '3'], 'no slice the restore reads is deleted');
    assert.ok(await fs.store.has(`manifests/${snap(0)}.json`));

    await cat.catalog.restoreLeases.release('restore-1');
    const freed = await expire();
    assert.deepEqual(freed.deleted, [snap(0)]);
    assert.deepEqual(await slicesLeft(), ['2', '3'], 'slices ending before the kept snapshot go');
    assert.equal(await fs.store.has(`slices/${jobId}/oplog/0`), false, 'objects too');
  });

  it('refuses to hold a snapshot groom already dropped', async () => {
    const plan = { jobId, syncNumber: 1, snapshotId: snap(0), store: 'fs', manifestKey: 'gone', snapshotTs: '1.1' };
    await assert.rejects(holdRestore(cat.catalog, 'restore-3', plan, 60_000), (e) => e instanceof NotFound && e.message.includes(snap(0)));
    assert.deepEqual(await cat.catalog.restoreLeases.live(jobId), [], 'no lease left behind');
  });

  it('fails a restore whose lease lapsed and was groomed, instead of going on', async () => {
    const plan = { jobId, syncNumber: 1, snapshotId: snap(10), store: 'fs', manifestKey: `manifests/${snap(10)}.json`, snapshotTs: `${at(10).high}.1` };
    await holdRestore(cat.catalog, 'restore-4', plan, 60_000);
    await keepRestore(cat.catalog, 'restore-4', 60_000);
    // The restore stalls past its lease; a groom then sees no lease.
    await cat.catalog.restoreLeases.acquire({ _id: 'restore-4', jobId, snapshotId: snap(10), fromTs: at(10) }, -1);
    assert.deepEqual(await cat.catalog.restoreLeases.live(jobId), [], 'groom would see no lease');
    await assert.rejects(keepRestore(cat.catalog, 'restore-4', 60_000), (e) => e instanceof NotFound && e.message.includes("restore 'restore-4' lost its lease") && e.message.includes('groomed'));
    await cat.catalog.restoreLeases.release('restore-4');
  });

  it('a restore that leases after groom read the leases finds the snapshot marked, and refuses', async () => {
    await recordSnapshot(2);
    // Groom reads no lease; the restore then writes its lease and checks the snapshot, before groom deletes it.
    let refused: unknown;
    const held = await expire(groomReadingLeases('after', () => holdRestore(cat.catalog, 'restore-5', planOf(2), 60_000).catch((e: unknown) => void (refused = e))));
    assert.ok(refused instanceof NotFound && refused.message.includes(`snapshot '${snap(2)}' is being groomed`), `holdRestore refused: ${String(refused)}`);
    assert.deepEqual(held.deleted, [snap(2)]);
    assert.deepEqual(await cat.catalog.restoreLeases.live(jobId), [], 'the refused restore left no lease');
  });

  it('groom keeps a snapshot whose lease was written before groom read the leases, and lifts its mark', async () => {
    await recordSnapshot(3);
    // The restore's lease lands after groom marked the snapshot and before it reads the leases.
    const held = await expire(groomReadingLeases('before', () => cat.catalog.restoreLeases.acquire({ _id: 'restore-6', jobId, snapshotId: snap(3), fromTs: at(3) }, 60_000)));
    assert.deepEqual(held.deleted, [], 'the leased snapshot is kept');
    assert.ok((await listed()).includes(snap(3)), 'and restorable again (unmarked)');
    await holdRestore(cat.catalog, 'restore-6', planOf(3), 60_000); // the restore's check then passes
    await cat.catalog.restoreLeases.release('restore-6');
    assert.deepEqual((await expire()).deleted, [snap(3)]);
  });

  it("a crashed groom's marks: the next groom deletes what it still drops and unmarks what retention keeps", async () => {
    await recordSnapshot(4);
    await cat.catalog.snapshots.markExpiring([snap(4), snap(10)], 'groom');
    assert.deepEqual(await listed(), [], 'marked snapshots are not offered');
    await assert.rejects(restoreWindow(cat.catalog, jobId), NotFound, 'nor is a window made from them');
    await assert.rejects(holdRestore(cat.catalog, 'restore-7', planOf(10), 60_000), (e) => e instanceof NotFound && e.message.includes('being groomed'));
    assert.deepEqual((await expire()).deleted, [snap(4)]);
    assert.deepEqual(await listed(), [snap(10)], 'the snapshot retention keeps is restorable again');
    assert.equal(await fs.store.has(`manifests/${snap(4)}.json`), false);
  });

  it('a replay from a retained snapshot whose next slices groom cuts: kept for a lease groom sees, refused for one it does not', async () => {
    // A monthly snapshot of December kept past the window (base: day 10); groom cuts the slices before the base.
    const job = newJobId('rlc');
    for (const day of [-5, 10]) await recordSnapshot(day, job);
    await recordSlices(job, [[-6, -5], [-5, 0], [0, 5], [5, 10], [10, 11]]);
    const monthly = RetentionPolicy.parse({ keep: { hourly: 0, daily: 0, weekly: 0, monthly: 2 }, pointInTimeHours: 0 });
    const groom = (catalog: Catalog) => expireSnapshots({ catalog, jobId: job, policy: monthly, now: (BASE + 20 * DAY) * 1000, storeOf: () => fs.store });
    const plan = { jobId: job, syncNumber: 1, snapshotId: `${job}/-5`, store: 'fs', manifestKey: `manifests/${job}/-5.json`, snapshotTs: `${at(-5).high}.1`, toTs: `${at(3).high}.1` };
    assert.ok(windowHolds(await restoreWindow(cat.catalog, job), at(3)), 'the window offers day 3 before the groom');

    // The lease lands before groom reads the leases: its slices stay, and the replay from day -5 holds.
    const kept = await groom(groomReadingLeases('before', () => cat.catalog.restoreLeases.acquire({ _id: 'restore-8', jobId: job, snapshotId: plan.snapshotId, fromTs: at(-5) }, 60_000)));
    assert.equal(kept.slicesDeleted, 0, 'the lease holds every slice from its snapshot on');
    assert.equal((await cat.catalog.snapshots.find(plan.snapshotId))?.oplogCut, undefined, 'and the mark is lifted');
    await holdRestore(cat.catalog, 'restore-8', plan, 60_000);
    await cat.catalog.restoreLeases.release('restore-8');

    // The lease lands after groom read the leases: the restore refuses, then groom deletes the slices.
    let refused: unknown;
    const cut = await groom(groomReadingLeases('after', () => holdRestore(cat.catalog, 'restore-9', plan, 60_000).catch((e: unknown) => void (refused = e))));
    assert.ok(refused instanceof NotFound && refused.message.includes(`the oplog after snapshot '${plan.snapshotId}' is being groomed`), `holdRestore refused: ${String(refused)}`);
    assert.equal(cut.slicesDeleted, 3, 'the slices before the base go');
    assert.equal(windowHolds(await restoreWindow(cat.catalog, job), at(3)), false, 'day 3 left the window');
    await holdRestore(cat.catalog, 'restore-10', { ...plan, toTs: plan.snapshotTs }, 60_000); // the snapshot itself still restores
    await cat.catalog.restoreLeases.release('restore-10');
  });

  it('ignores a lease that expired (a crashed restore)', async () => {
    await cat.catalog.restoreLeases.acquire({ _id: 'restore-2', jobId, snapshotId: snap(10), fromTs: at(-1) }, -1);
    assert.deepEqual(await cat.catalog.restoreLeases.live(jobId), []);
    assert.equal(await cat.catalog.restoreLeases.renew('restore-2', 60_000), false, 'a lapsed lease is not renewed');
  });
});
