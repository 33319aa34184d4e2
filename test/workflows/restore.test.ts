import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import { HeadwaterClient } from '../../src/client/headwater-client.js';
import { RestoreFailure } from '../../src/client/restore-failure.js';
import { parseConfig } from '../../src/config/load.js';
import type { RestoreInput } from '../../src/contracts/restore.js';
import { tsToString } from '../../src/lib/bson.js';
import { openSnapshot } from '../../src/restore/open-snapshot.js';
import { planRestore } from '../../src/restore/plan-restore.js';
import { formatExact, isoSecond } from '../../src/restore/restore-time.js';
import { describeWindow, restoreWindow } from '../../src/restore/restore-window.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import type { FsBlobStore } from '../../src/store/fs-blob-store.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { chunkKey } from '../../src/store/layout.js';
import { readManifest } from '../../src/snapshot/decode-snapshot.js';
import { serializeManifest } from '../../src/snapshot/manifest.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { restoreStatusQuery } from '../../src/workflows/messages.js';
import { JobIdKey, PhaseKey } from '../../src/workflows/search-attributes.js';
import { services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { makeWorkload, NEW_DB, SLICE_KEY_ID, sourceState, SRC_DB, type State, type Workload } from '../restore/workload.js';
import { corruptFsObject } from '../store/corrupt.js';

function assertState(got: State, want: State, what: string) {
  assert.deepEqual([...got.keys()], [...want.keys()], `${what}: the collections`);
  for (const [c, d] of want) assert.deepEqual(got.get(c), d, `${what}: '${c}' count and content hash`);
}

describe('restore workflow (client, in-process worker, real services)', () => {
  let w: Workload;
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let deps: Deps;
  let worker: Worker;
  let running: Promise<void>;
  let client: HeadwaterClient;
  const taskQueue = uniqueName('hw-restore');
  const dbs: string[] = [];
  /** A restore of the workload's database into a target database of its own on the head server. */
  const input = (from: RestoreInput['from'], more: Partial<RestoreInput> = {}) => {
    const db = uniqueName('rwf');
    dbs.push(db, `${db}_n`);
    return { db, input: { from, target: 'target', renames: [`${SRC_DB}=${db}`, `${NEW_DB}=${db}_n`], ...more } };
  };
  const extra = new Map<string, BlobStore>();
  const targetDbs = async () => (await w.head.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name);

  before(async () => {
    t = await connectTemporal();
    native = await nativeConnection();
    const workflowBundle = await bundle(workflowsPath);
    w = await makeWorkload();
    const base = createDeps(
      parseConfig({
        temporal: { address: services.temporal.address, taskQueue },
        catalog: { connection: 'head', database: w.catalog.db.databaseName },
        connections: { head: { uri: services.head.uri }, target: { uri: services.head.uri } },
        stores: {},
      }),
    );
    // The workload's stores (fs, S3 on MinIO, the blockstore, the slices' fs) under the ids its catalog
    // names, and stores a case adds (`extra`).
    deps = { ...base, store: (id) => extra.get(id) ?? w.storeOf(id) };
    worker = await createWorker({ connection: native, taskQueue, workflowBundle, activities: createActivities(deps) });
    running = worker.run();
    client = await HeadwaterClient.connect({ address: services.temporal.address, taskQueue });
  });
  after(async () => {
    worker?.shutdown();
    await running;
    for (const db of dbs) await w.head.db(db).dropDatabase();
    await client?.close();
    await deps?.close();
    await w?.cleanup();
    await native?.close();
    await t?.connection.close();
  });

  it('restores a whole snapshot through the client, verified, with phases by query and search attribute', async () => {
    const { db, input: i } = input({ snapshotId: snapshotId(w.jobId, w.snapshotTs) });
    const { restoreId, workflowId } = await client.startRestore(i);
    assert.equal(workflowId, `restore/${restoreId}`);
    const early = await client.restoreStatus(restoreId);
    assert.ok(!['planning', 'preparing target', 'failed'].includes(early.phase), `past its refusals when started: ${early.phase}`);
    const r = await client.restoreResult(restoreId);

    assertState(await sourceState(w.head, db), w.atSnapshot, 'restored snapshot');
    assert.deepEqual(r.collections.map((c) => [c.target, c.ok]), [[`${db}.orders`, true], [`${db}.users`, true]]);
    assert.equal(r.documents, [...w.atSnapshot.values()].reduce((n, d) => n + d.count, 0));
    assert.equal(r.replay, undefined, 'a snapshot restore replays nothing');
    assert.ok(r.indexes.built >= 2, `the snapshot's indexes were built (${r.indexes.built})`);
    const indexes = (await w.head.db(db).collection('orders').listIndexes().toArray()).map((x) => x.name).sort();
    assert.deepEqual(indexes, ['_id_', 'code_1']);

    const handle = t.client.workflow.getHandle(workflowId);
    const final = await handle.query(restoreStatusQuery);
    assert.equal(final.phase, 'complete');
    assert.deepEqual(Object.values(final.collections).map((c) => [c.target, c.done, c.verified]), [[`${db}.orders`, true, true], [`${db}.users`, true, true]], 'each collection verified in its lane');
    const attrs = (await handle.describe()).typedSearchAttributes;
    assert.equal(attrs.get(PhaseKey), 'complete');
    assert.equal(attrs.get(JobIdKey), w.jobId);
    const record = await deps.catalog.restores.find(restoreId);
    assert.equal(record?.state, 'complete');
    assert.deepEqual(await deps.catalog.restoreLeases.live(w.jobId), [], 'the restore lease was released');
    const listed = await client.listRestores();
    assert.ok(listed.some((x) => x.restoreId === restoreId), 'listed');
  });

  it('restores to one exact oplog entry and to a whole second, each equal to the source at that moment', async () => {
    const exact = input({ jobId: w.jobId, toTime: formatExact(w.exact.ts) });
    const { restoreId } = await client.startRestore(exact.input);
    const r = await client.restoreResult(restoreId);
    assertState(await sourceState(w.head, exact.db), w.exact.state, 'exact entry');
    assert.deepEqual(r.replay?.lastOp, { ts: tsToString(w.exact.ts), ns: `${SRC_DB}.users` }, 'names the last op applied');
    assert.equal(r.toTs, tsToString(w.exact.ts));

    // The moment of the drop: its collection must not come back with the snapshot's indexes.
    const drop = w.moments.find((m) => m.name === 'a drop')!;
    const second = input({ jobId: w.jobId, toTime: isoSecond(drop.ts.high) });
    const { restoreId: id2 } = await client.startRestore(second.input);
    const r2 = await client.restoreResult(id2);
    assertState(await sourceState(w.head, second.db), drop.state, drop.name);
    assert.ok((r2.replay?.entries ?? 0) > 0, 'entries were replayed');
    assert.ok(r2.indexes.failed.every((f) => !f.ns.endsWith('.orders')), 'no index of the dropped collection was tried');
  });

  it('replays sealed slices with the restore\'s key, a database created after the snapshot included; without the key refused in planning, nothing written, no lease kept', async () => {
    const last = w.moments.at(-1)!;
    const from = { jobId: w.sealed.jobId, toTime: isoSecond(last.ts.high) };
    const keyless = input(from, { restoreId: `${w.jobId}-keyless` });
    await assert.rejects(client.startRestore(keyless.input), (e) =>
      e instanceof RestoreFailure && e.type === 'WrongKey' && e.refused && e.message.includes(SLICE_KEY_ID));
    assert.equal((await client.restoreStatus(`${w.jobId}-keyless`)).failure?.phase, 'planning');
    const present = await targetDbs();
    assert.ok(!present.includes(keyless.db) && !present.includes(`${keyless.db}_n`), 'nothing was written to the target');
    assert.deepEqual(await deps.catalog.restoreLeases.live(w.sealed.jobId), [], 'the refused plan left no lease');

    const env = uniqueName('HW_TEST_SLICE_KEY').replace(/[^A-Za-z0-9_]/g, '_');
    process.env[env] = w.sealed.sliceKey.secret().toString('hex');
    try {
      const keyed = input(from, { encryption: { id: SLICE_KEY_ID, env } });
      const r = await client.restoreResult((await client.startRestore(keyed.input)).restoreId);
      assertState(await sourceState(w.head, keyed.db), last.state, 'sealed slices replayed');
      assertState(await sourceState(w.head, `${keyed.db}_n`), w.newDbState, `${NEW_DB}, created after the snapshot`);
      assert.ok((r.replay?.entries ?? 0) > 0);
    } finally {
      delete process.env[env];
    }
  });

  it('refuses a time outside the window (with the window) and an unknown snapshot, writing nothing', async () => {
    const window = describeWindow(await restoreWindow(w.catalog, w.jobId));
    const outside = input({ jobId: w.jobId, toTime: isoSecond(w.snapshotTs.high - 60) });
    const refusal = await client.startRestore(outside.input).then(() => undefined, (e: unknown) => e);
    assert.ok(refusal instanceof RestoreFailure, String(refusal));
    assert.equal(refusal.type, 'RestoreOutsideWindow');
    assert.equal(refusal.refused, true);
    assert.ok(refusal.message.includes(window), `the message gives the window: ${refusal.message}`);

    const unknown = input({ snapshotId: `${w.jobId}/0001700000000-0000000001` });
    await assert.rejects(client.startRestore({ ...unknown.input, restoreId: `${w.jobId}-unknown` }), (e) =>
      e instanceof RestoreFailure && e.type === 'NotFound' && e.refused && e.message.includes('0001700000000-0000000001'));
    const status = await client.restoreStatus(`${w.jobId}-unknown`);
    assert.equal(status.phase, 'failed');
    assert.equal(status.failure?.phase, 'planning');
    const attrs = (await t.client.workflow.getHandle(`restore/${w.jobId}-unknown`).describe()).typedSearchAttributes;
    assert.equal(attrs.get(PhaseKey), 'failed');
    const present = await targetDbs();
    assert.ok(!present.includes(outside.db) && !present.includes(unknown.db), 'nothing was written to the target');
  });

  it('refuses a non-empty target without drop, leaving it as it was, and records the restore failed', async () => {
    const busy = input({ snapshotId: snapshotId(w.jobId, w.snapshotTs) }, { restoreId: `${w.jobId}-busy` });
    await w.head.db(busy.db).collection('users').insertOne({ _id: 'mine' } as never);
    await assert.rejects(client.startRestore(busy.input), (e) =>
      e instanceof RestoreFailure && e.type === 'TargetNotEmpty' && e.refused && e.message.includes(`'${busy.db}.users'`));
    assert.deepEqual(await w.head.db(busy.db).collection('users').find().toArray(), [{ _id: 'mine' }]);
    assert.deepEqual(await w.head.db(busy.db).listCollections({}, { nameOnly: true }).toArray().then((l) => l.map((c) => c.name)), ['users']);
    const record = await deps.catalog.restores.find(`${w.jobId}-busy`);
    assert.equal(record?.state, 'failed');
    assert.equal(record?.failure?.type, 'TargetNotEmpty');
    assert.equal(record?.failure?.phase, 'preparing target');
  });

  it('fails on a damaged chunk, naming it, and removes every collection it created (the target as before)', async () => {
    const id = snapshotId(w.jobId, w.snapshotTs);
    const { manifest } = await openSnapshot({ catalog: w.catalog, storeOf: w.storeOf, plan: await planRestore(w.catalog, { snapshot: id }) });
    const bad = manifest.collections.find((c) => c.ns === `${SRC_DB}.users`)!.chunks.at(-1)!.id;
    const store = w.stores.fs.store as FsBlobStore;
    const damaged = input({ snapshotId: id }, { restoreId: `${w.jobId}-damaged` });
    // The target database holds a collection of its own that the restore does not touch.
    await w.head.db(damaged.db).collection('mine').insertOne({ _id: 'mine' } as never);
    await corruptFsObject(store, chunkKey(bad));
    try {
      await client.startRestore(damaged.input);
      await assert.rejects(client.restoreResult(`${w.jobId}-damaged`), (e) =>
        e instanceof RestoreFailure && e.type === 'ChecksumMismatch' && !e.refused && e.message.includes(bad));
    } finally {
      await corruptFsObject(store, chunkKey(bad)); // the same byte flipped back
    }
    const names = (await w.head.db(damaged.db).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    assert.deepEqual(names, ['mine'], 'the collections the restore created were removed, the rest left');
    assert.deepEqual(await w.head.db(damaged.db).collection('mine').find().toArray(), [{ _id: 'mine' }]);
    const record = await deps.catalog.restores.find(`${w.jobId}-damaged`);
    assert.equal(record?.state, 'failed');
    assert.equal(record?.failure?.type, 'ChecksumMismatch');
    assert.equal(record?.failure?.phase, 'restoring collections');
  });

  it('fails when the restored data differs from the snapshot: names the collection, records the restore failed, leaves the target', async () => {
    // A snapshot of its own (another job's record) whose manifest, checksum intact, gives 'users' another
    // content hash: every chunk restores, and only the verification can see the difference.
    const rec = await w.catalog.snapshots.get(snapshotId(w.jobId, w.snapshotTs));
    const manifest = await readManifest(w.stores.fs.store, rec.manifestKey);
    const users = manifest.collections.find((c) => c.ns === `${SRC_DB}.users`)!;
    const wrong = `${users.contentHash[0] === '0' ? '1' : '0'}${users.contentHash.slice(1)}`;
    const changed = { ...manifest, collections: manifest.collections.map((c) => (c === users ? { ...c, contentHash: wrong } : c)) };
    extra.set('tampered', serving(w.stores.fs.store, rec.manifestKey, serializeManifest(changed)));
    const job = `${w.jobId}-t`;
    await w.catalog.snapshots.record({ ...rec, _id: snapshotId(job, w.snapshotTs), jobId: job, store: 'tampered' });
    const restoreId = `${w.jobId}-mismatch`;
    const bad = input({ snapshotId: snapshotId(job, w.snapshotTs) }, { restoreId });
    await client.startRestore(bad.input);
    const named = `'${bad.db}.users' (from '${SRC_DB}.users')`;
    await assert.rejects(client.restoreResult(restoreId), (e) =>
      e instanceof RestoreFailure && e.type === 'RestoreVerifyFailed' && !e.refused && e.message.includes(named) && !e.message.includes('orders'));

    const record = await deps.catalog.restores.find(restoreId);
    assert.equal(record?.state, 'failed');
    assert.equal(record?.failure?.type, 'RestoreVerifyFailed');
    assert.equal(record?.failure?.phase, 'verifying');
    assert.ok(record?.failure?.message.includes(named), `the record names the collection: ${record?.failure?.message}`);
    const handle = t.client.workflow.getHandle(`restore/${restoreId}`);
    const status = await handle.query(restoreStatusQuery);
    assert.equal(status.phase, 'failed');
    assert.deepEqual(status.verification?.map((v) => [v.ns, v.ok]), [[`${SRC_DB}.orders`, true], [`${SRC_DB}.users`, false]]);
    assert.equal((await handle.describe()).typedSearchAttributes.get(PhaseKey), 'failed');
    // Not a damaged snapshot: the target stays for a look (recorded failed), with what was restored.
    const left = await sourceState(w.head, bad.db);
    assert.deepEqual([...left.keys()], ['orders', 'users']);
    assert.equal(left.get('users')?.count, users.count);
  });
});

/** `store` as it is, except that `key` reads as `bytes`. */
function serving(store: BlobStore, key: string, bytes: Buffer): BlobStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'get') return async (k: string) => (k === key ? bytes : target.get(k));
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
