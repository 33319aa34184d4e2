import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BSON, Int32, Long, Timestamp, UUID, type Document, type MongoClient } from 'mongodb';
import { Catalog } from '../../src/catalog/catalog.js';
import { HeadwaterClient } from '../../src/client/headwater-client.js';
import type { RestoreStatus } from '../../src/contracts/restore.js';
import { tsFromString, tsToString } from '../../src/lib/bson.js';
import { formatExact } from '../../src/restore/restore-time.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { restoreStatusQuery } from '../../src/workflows/messages.js';
import { forgetJob } from '../harness/catalog.js';
import { digest } from '../harness/compare.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { until } from '../harness/until.js';
import { WorkerProcess, writeWorkerConfig, type WorkerConfig } from '../harness/worker-process.js';
import { makeHead, newJobId, snapshotNow, type TestHead } from '../snapshot/fixtures.js';
import type { Manifest } from '../../src/snapshot/manifest.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COUNT = 4000;

describe('restore workflow under worker crashes (real worker process)', () => {
  let head: MongoClient;
  let catalog: Catalog;
  let h: TestHead;
  let cfg: WorkerConfig;
  let worker: WorkerProcess;
  let client: HeadwaterClient;
  let manifest: Manifest;
  const ts = new Timestamp({ t: 1_700_007_000, i: 1 });
  const targetDb = uniqueName('rkill');

  before(async () => {
    head = mongoClient('head');
    catalog = new Catalog(head, 'headwater'); // the worker's default catalog
    h = await makeHead(head, catalog, { jobId: newJobId('rk'), collections: [{ name: 'a', count: COUNT }, { name: 'b', count: COUNT }], consistentAt: ts });
    cfg = writeWorkerConfig(uniqueName('hw-restorekill'), { target: { uri: services.head.uri } });
    manifest = await snapshotNow({ head, store: new FsBlobStore(cfg.storeDir), catalog, plan: h.plan, ts, storeId: 'default' });
    worker = new WorkerProcess(cfg);
    await worker.start();
    client = await HeadwaterClient.connect({ address: services.temporal.address, taskQueue: cfg.taskQueue });
  });
  after(async () => {
    await worker?.stop();
    await client?.close();
    await head.db(targetDb).dropDatabase();
    await h?.drop();
    await forgetJob(head, h.jobId);
    await head.close();
  });

  /** Documents in the target so far (both collections). */
  const restored = async () => {
    let n = 0;
    for (const c of ['a', 'b']) n += await head.db(targetDb).collection(c).countDocuments({});
    return n;
  };

  /**
   * Waits until the target holds more than `docs` documents while the restore is still restoring, then
   * kills the worker; returns how many documents the dead worker left.
   */
  async function killPast(docs: number, status: () => Promise<RestoreStatus | undefined>): Promise<number> {
    let seen = 0;
    for (let i = 0; i < 2400; i += 1) {
      seen = await restored();
      if (seen > docs) {
        const s = await status();
        await worker.kill('SIGKILL');
        assert.equal(s?.phase, 'restoring collections', `killed mid-restore (${seen} documents in)`);
        // Batches went on while the status was read: what the dead worker left is counted now.
        return restored();
      }
      await sleep(25);
    }
    throw new Error(`the restore never passed ${docs} documents (last seen ${seen}; phase ${(await status())?.phase})`);
  }

  it('resumes from its last batch after two SIGKILLs, and ends exact by count and content hash', async () => {
    const { restoreId, workflowId } = await client.startRestore({
      from: { snapshotId: snapshotId(h.jobId, ts) },
      target: 'target',
      renames: [`src=${targetDb}`],
      batchDocs: 20,
      parallelism: 1,
    });
    const status = () => client.restoreStatus(restoreId).catch(() => undefined);
    const first = await killPast(COUNT / 4, status);
    await worker.start();
    // The second kill lands once the retried attempt has made progress of its own.
    await killPast(first + 500, status);
    await worker.start();
    const r = await client.restoreResult(restoreId);

    assert.equal(worker.starts, 3);
    assert.ok(r.collections.every((c) => c.ok), JSON.stringify(r.collections));
    for (const c of manifest.collections) {
      const coll = c.ns.slice('src.'.length);
      const got = await digest(head, targetDb, coll);
      assert.equal(got.duplicates, 0, `${c.ns}: no duplicates`);
      assert.equal(got.count, c.count, `${c.ns}: count`);
      assert.equal(got.hash, c.contentHash, `${c.ns}: content hash equals the manifest's`);
    }
    const final = await client.temporal.workflow.getHandle(workflowId).query(restoreStatusQuery);
    assert.equal(final.phase, 'complete');
    assert.ok(Object.values(final.collections).some((c) => c.resumed === true), 'a collection went on from a heartbeat cursor');
    const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
    // History keeps one started event per activity, with the attempt that finished it. The first kill
    // always lands inside a collection's activity; the second may land just after one finished (its
    // count passed the mark with the last batch), so it need not cost a retry: at least one is proved.
    const attempts = history.events!.flatMap((e) => {
      const a = e.activityTaskStartedEventAttributes?.attempt;
      return a === undefined || a === null ? [] : [a];
    });
    const retries = attempts.reduce((n, a) => n + a - 1, 0);
    assert.ok(retries >= 1, `an activity attempt was retried after the kills (attempts: ${attempts.join(', ')})`);
  });

  it('a point-in-time restore killed while it replays the oplog resumes from its last saved slice, and ends exact by count and content hash', async () => {
    // The slices after the snapshot: inserts into a, updates and deletes of a's snapshot documents.
    const plan = await writeReplayChain();
    // What the same writes make of the snapshot's state: the head (the snapshot's source), changed by the driver.
    const a = head.db(h.headDb).collection('a');
    await a.insertMany(plan.inserted as Document[]);
    await a.bulkWrite(plan.updated.map(([id, name]) => ({ updateOne: { filter: { _id: id } as Document, update: { $set: { name } } } })));
    await a.deleteMany({ _id: { $in: plan.deleted } } as Document);
    const want = await digest(head, h.headDb, 'a');
    const db = uniqueName('rkillpit');
    try {
      // Collection a alone: the replay is what this case is about, and b's data would only cost time.
      const { restoreId, workflowId } = await client.startRestore({ from: { jobId: h.jobId, toTime: formatExact(plan.lastTs) }, target: 'target', namespaces: ['src.a'], renames: [`src=${db}`] });
      // Killed once the replay has saved its progress in the restore's record, and before it is through.
      const replayed = () => head.db(db).collection('a').countDocuments({ replayed: true });
      const phase = async () => (await client.restoreStatus(restoreId).catch(() => undefined))?.phase;
      const savedSlices = async () => (await catalog.restores.find(restoreId))?.replay?.slices ?? 0;
      await until('the replay to save its progress', async () => ({ phase: await phase(), slices: await savedSlices() }), (s) => s.phase === 'replaying oplog' && s.slices > 0, { pauseMs: 25 });
      await worker.kill('SIGKILL');
      const left = await replayed();
      assert.ok(left < plan.inserted.length, `killed mid-replay (${left} of ${plan.inserted.length} inserts in)`);
      const saved = (await catalog.restores.find(restoreId))!.replay!;
      assert.ok(saved.slices < plan.slices, `saved short of the end (${saved.slices} of ${plan.slices} slices)`);
      await worker.start();
      const r = await client.restoreResult(restoreId);

      assert.deepEqual(r.replay?.lastOp, { ts: tsToString(plan.lastTs), ns: 'src.a' });
      // The retry went on after the slices the killed attempt had saved, not from the snapshot's position
      // (at least those: a save sent just before the kill may land after the record was read).
      const from = r.replay?.resumedFrom;
      assert.ok(from !== undefined && from.slices >= saved.slices, `the retry resumed after slice ${saved.slices} (${JSON.stringify(from)})`);
      assert.ok(tsFromString(from.through).gt(ts), `the retry's position ${from.through} is past the snapshot's`);
      // Its totals cover both attempts: every slice and entry of the chain, once.
      assert.deepEqual({ slices: r.replay?.slices, entries: r.replay?.entries, leftOut: r.replay?.leftOut }, { slices: plan.slices, entries: plan.entries, leftOut: 0 });
      const got = await digest(head, db, 'a');
      assert.equal(got.duplicates, 0, 'no duplicates');
      assert.deepEqual(got, want, 'count and content hash equal the state at T');
      assert.deepEqual((await head.db(db).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name), ['a']);
      const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
      const replays = new Set(history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'replayRestoreOplog').map((e) => String(e.eventId)));
      const attempts = history.events!.flatMap((e) => {
        const at = e.activityTaskStartedEventAttributes;
        return at && replays.has(String(at.scheduledEventId)) ? [at.attempt ?? 1] : [];
      });
      assert.ok(attempts.some((n) => n > 1), `the replay was retried after the kill (attempts: ${attempts.join(', ')})`);
    } finally {
      await head.db(db).dropDatabase();
    }
  });

  /**
   * Writes the job's oplog chain after the snapshot into the worker's store and catalog: slices of 250
   * entries, each as a MongoDB 6.0+ primary logs it for an unsharded collection, every field included
   * (test/fixtures/oplog). Returns what the entries change.
   */
  async function writeReplayChain() {
    const slices = new SliceStore(() => new FsBlobStore(cfg.storeDir), catalog.slices);
    const ui = new UUID();
    const ids = (await head.db(h.headDb).collection('a').find({}, { projection: { _id: 1 }, sort: { _id: 1 } }).toArray()).map((d) => d._id);
    const inserted: Array<Record<string, unknown>> = [];
    const updated: Array<[unknown, string]> = [];
    const deleted: unknown[] = [];
    const entries: Document[] = [];
    let k = 0;
    const entry = (op: string, fields: Document) => {
      const t = new Timestamp({ t: ts.high + 1 + Math.floor(k / 1000), i: (k % 1000) + 1 });
      k += 1;
      entries.push({ op, ns: 'src.a', ui, ...fields, ts: t, t: new Long(1), v: new Long(2), wall: new Date(t.high * 1000 + (t.low % 1000)) });
    };
    for (let n = 0; n < 3000; n += 1) {
      const doc = { _id: new Int32(900_000 + n), n: new Int32(n), replayed: true, pad: 'r'.repeat(40) };
      inserted.push(doc);
      entry('i', { o: doc });
      // Updates from the last snapshot document down, deletes from the first up: never the same one.
      if (n % 4 === 0) {
        const id = ids[ids.length - 1 - updated.length];
        updated.push([id, `replayed-${n}`]);
        entry('u', { o: { $v: 2, diff: { u: { name: `replayed-${n}` } } }, o2: { _id: id } });
      }
      if (n % 8 === 0) {
        const id = ids[deleted.length];
        deleted.push(id);
        entry('d', { o: { _id: id } });
      }
    }
    // The last entry is an insert: the restore's T, named as the last operation applied.
    const last = { _id: new Int32(999_999), n: new Int32(-1), replayed: true, pad: 'last' };
    inserted.push(last);
    entry('i', { o: last });
    let prevTs = ts;
    for (let i = 0; i < entries.length; i += 250) {
      const part = entries.slice(i, i + 250);
      const tss = part.map((e) => e.ts as Timestamp);
      await slices.writeOplogSlice({ jobId: h.jobId, sliceStore: 'default', syncNumber: 1 }, { entries: part.map((e) => BSON.serialize(e)), walls: part.map((e) => (e.wall as Date).getTime()), firstTs: tss[0]!, lastTs: tss.at(-1)!, prevTs });
      prevTs = tss.at(-1)!;
    }
    return { inserted, updated, deleted, lastTs: prevTs, slices: Math.ceil(entries.length / 250), entries: entries.length };
  }
});
