import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON, MongoBulkWriteError, Timestamp } from 'mongodb';
import { BlobKey, Keyring } from '../../src/codec/keys.js';
import { ChecksumMismatch, InvalidConfig, NotFound, RestoreOutsideWindow, ReplaySuperseded, RestoreVerifyFailed, SliceChainBroken, TargetNotEmpty, WrongKey } from '../../src/errors/domain-errors.js';
import { replayCheckpoints } from '../../src/activities/restore-support.js';
import { pino } from 'pino';
import { tsFromString, tsToString } from '../../src/lib/bson.js';
import { ContentHash } from '../../src/lib/content-hash.js';
import { exportDump } from '../../src/restore/export-dump.js';
import { openSnapshot } from '../../src/restore/open-snapshot.js';
import { planRestore, type RestorePlan } from '../../src/restore/plan-restore.js';
import { prepareTarget } from '../../src/restore/prepare-target.js';
import { fromCheckpoint, toCheckpoint, type ReplayProgress } from '../../src/restore/replay-progress.js';
import { replayToTime } from '../../src/restore/replay-to-time.js';
import { restoreCollection, type RestoreCursor } from '../../src/restore/restore-collection.js';
import { verifyCollection } from '../../src/restore/verify-collection.js';
import { DocumentSplitter, readChunkRef } from '../../src/snapshot/decode-snapshot.js';
import type { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { chunkKey, manifestKey } from '../../src/store/layout.js';
import { corruptFsObject } from '../store/corrupt.js';
import { makeStore } from '../snapshot/fixtures.js';
import { formatExact, isoSecond } from '../../src/restore/restore-time.js';
import { describeWindow, restoreWindow } from '../../src/restore/restore-window.js';
import { runRestore, type RunRestoreOptions } from '../../src/restore/run-restore.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import type { SliceRecord } from '../../src/catalog/slices.js';
import { uniqueName } from '../harness/services.js';
import { makeWorkload, NEW_DB, SLICE_KEY_ID, sourceState, SRC_DB, type State, type StoreId, type Workload } from './workload.js';

/** A target database of its own on the head server; the snapshot's `wl` is renamed to it. */
const targetDb = () => uniqueName('rst');

function assertState(got: State, want: State, what: string) {
  assert.deepEqual([...got.keys()], [...want.keys()], `${what}: the collections`);
  for (const [c, d] of want) assert.deepEqual(got.get(c), d, `${what}: '${c}' count and content hash`);
}

describe('restore', () => {
  let w: Workload;
  let fsPlan: RestorePlan;
  const dbs: string[] = [];
  /** The job's databases renamed: SRC_DB to `db`, NEW_DB to `db`_n. */
  const renamed = (db: string) => [`${SRC_DB}=${db}`, `${NEW_DB}=${db}_n`];
  const restore = (o: Partial<RunRestoreOptions> & { plan: RestorePlan }, db = targetDb()) => {
    dbs.push(db, `${db}_n`);
    return { db, run: runRestore({ catalog: w.catalog, storeOf: w.storeOf, target: w.head, selection: { rename: renamed(db) }, ...o }) };
  };
  const planIn = (store: StoreId): RestorePlan => ({ ...fsPlan, store, manifestKey: manifestKey(w.jobId, w.snapshotTs) });

  before(async () => {
    w = await makeWorkload();
    fsPlan = await planRestore(w.catalog, { snapshot: snapshotId(w.jobId, w.snapshotTs) });
  });
  after(async () => {
    for (const db of dbs) await w.head.db(db).dropDatabase();
    await w.cleanup();
  });

  // Each store type encrypted, and fs and the blockstore in clear too (the workload's snapshots).
  const cases: Array<[StoreId, boolean]> = [['fs', false], ['fs-sealed', true], ['s3', true], ['s3-clear', false], ['mongo', false], ['mongo-sealed', true]];
  for (const [store, sealed] of cases) {
    it(`restores the whole snapshot from ${store.replace(/-sealed|-clear/, '')}${sealed ? ' (encrypted)' : ''}, verified, with its indexes`, async () => {
      const keyring = sealed ? new Keyring([w.key]) : undefined;
      const plan = planIn(store);
      const { manifest } = await openSnapshot({ catalog: w.catalog, storeOf: w.storeOf, plan, keyring });
      assert.equal(manifest.codec.encryption === 'none', !sealed, `the ${store} snapshot is ${sealed ? '' : 'not '}encrypted`);
      const { db, run } = restore({ plan, keyring });
      const res = await run;
      assertState(await sourceState(w.head, db), w.atSnapshot, store);
      assert.deepEqual(res.collections.map((c) => c.ns), [`${SRC_DB}.orders`, `${SRC_DB}.users`]);
      const names = (await w.head.db(db).collection('orders').listIndexes().toArray()).map((i) => i.name).sort();
      assert.deepEqual(names, ['_id_', 'code_1']);
      assert.equal(res.replay, undefined, 'a snapshot restore replays nothing');
    });
  }

  it('restores to each recorded moment, by iso second, exactly the source at that moment', async () => {
    for (const m of w.moments) {
      const plan = await planRestore(w.catalog, { jobId: w.jobId, toTime: isoSecond(m.ts.high) });
      assert.equal(plan.snapshotTs, tsToString(w.snapshotTs));
      const { db, run } = restore({ plan });
      const res = await run;
      assertState(await sourceState(w.head, db), m.state, m.name);
      assert.ok(res.replay!.entries > 0, `${m.name}: entries were replayed`);
      // The database created after the snapshot (in the last moment) is restored with it, by count and content.
      const last = m === w.moments.at(-1);
      assertState(await sourceState(w.head, `${db}_n`), last ? w.newDbState : new Map(), `${m.name}: ${NEW_DB}`);
    }
  });

  it('restores to a time with a collection renamed (db.coll=db2.coll2), the replay following the rename', async () => {
    const last = w.moments.at(-1)!;
    const plan = await planRestore(w.catalog, { jobId: w.jobId, toTime: isoSecond(last.ts.high) });
    const db = targetDb();
    const people = targetDb();
    dbs.push(db, people, `${db}_n`);
    await runRestore({ catalog: w.catalog, storeOf: w.storeOf, target: w.head, plan, selection: { rename: [`${SRC_DB}.users=${people}.people`, ...renamed(db)] } });
    const { users, ...rest } = Object.fromEntries(last.state);
    assertState(await sourceState(w.head, db), new Map(Object.entries(rest)), 'the others');
    assertState(await sourceState(w.head, people), new Map([['people', users!]]), 'users as people, with every update after the snapshot');
  });

  it('refuses a non-empty target collection that the replay creates, writing nothing; replaces it with drop', async () => {
    const plan = await planRestore(w.catalog, { jobId: w.jobId, toTime: isoSecond(w.moments.at(-1)!.ts.high) });
    const db = targetDb();
    // `audit` and the new database's `events` are not in the snapshot: the replay creates them.
    for (const [d, c] of [[db, 'audit'], [`${db}_n`, 'events']] as const) await w.head.db(d).collection(c).insertOne({ _id: 'mine' } as never);
    const before = [await sourceState(w.head, db), await sourceState(w.head, `${db}_n`)];
    await assert.rejects(restore({ plan }, db).run, (e) => e instanceof TargetNotEmpty && e.message.includes(`'${db}.audit'`) && e.message.includes(`'${db}_n.events'`));
    assert.deepEqual([await sourceState(w.head, db), await sourceState(w.head, `${db}_n`)], before, 'the target is as it was');
    await restore({ plan, drop: true }, db).run;
    assertState(await sourceState(w.head, db), w.moments.at(-1)!.state, 'dropped and restored');
    assertState(await sourceState(w.head, `${db}_n`), w.newDbState, `${NEW_DB} dropped and restored`);
  });

  it('refuses a <seconds>,<increment> time that names no entry, naming the entries around it, writing nothing', async () => {
    const last = w.moments.at(-1)!;
    const chain = await chainOf(await planRestore(w.catalog, { jobId: w.jobId, toTime: isoSecond(last.ts.high) }));
    const slices = new SliceStore(w.storeOf, w.catalog.slices);
    const entries = (await Promise.all(chain.map((r) => slices.read(r)))).flat().map((b) => BSON.deserialize(b).ts as Timestamp).filter((ts) => ts.gt(w.snapshotTs) && !ts.gt(last.ts));
    // Two entries in a row with room for a timestamp between them.
    const i = entries.findIndex((ts, k) => k + 1 < entries.length && (entries[k + 1]!.high > ts.high || entries[k + 1]!.low > ts.low + 1));
    assert.ok(i >= 0, 'a gap between two entries');
    const [a, b] = [entries[i]!, entries[i + 1]!];
    const between = new Timestamp({ t: a.high, i: a.low + 1 });
    const plan = await planRestore(w.catalog, { jobId: w.jobId, toTime: formatExact(between) });
    const { db, run } = restore({ plan });
    await assert.rejects(run, (e) => e instanceof InvalidConfig && e.message.includes(`'${formatExact(between)}' names no oplog entry`) && e.message.includes(`'${formatExact(a)}' before`) && e.message.includes(`'${formatExact(b)}' after`));
    assert.equal((await sourceState(w.head, db)).size, 0, 'nothing was created');
  });

  it('reads sealed oplog slices with the restore\'s key; refuses a missing or wrong key before writing', async () => {
    const last = w.moments.at(-1)!;
    const plan = await planRestore(w.catalog, { jobId: w.sealed.jobId, toTime: isoSecond(last.ts.high) });
    for (const keyring of [undefined, new Keyring([new BlobKey(Buffer.alloc(32, 1), SLICE_KEY_ID)])]) {
      const { db, run } = restore({ plan, keyring });
      await assert.rejects(run, (e) => e instanceof WrongKey && e.message.includes(SLICE_KEY_ID));
      assert.equal((await sourceState(w.head, db)).size, 0, 'nothing was created');
    }
    const { db, run } = restore({ plan, keyring: new Keyring([w.sealed.sliceKey]) });
    const res = await run;
    assertState(await sourceState(w.head, db), last.state, 'sealed slices replayed');
    assert.ok(res.replay!.entries > 0);
  });

  it('restores to one exact entry, and names it as the last operation applied', async () => {
    const plan = await planRestore(w.catalog, { jobId: w.jobId, toTime: formatExact(w.exact.ts) });
    assert.equal(plan.exact, true);
    const { db, run } = restore({ plan });
    const res = await run;
    assertState(await sourceState(w.head, db), w.exact.state, 'exact entry');
    assert.deepEqual(res.replay!.last, { ts: tsToString(w.exact.ts), ns: `${SRC_DB}.users` });
  });

  /** The chain a restore to `plan.toTs` replays, as replayToTime reads it from the catalog. */
  const chainOf = (plan: RestorePlan) =>
    w.catalog.slices.oplogBetween({ jobId: w.jobId, syncNumber: plan.syncNumber }, tsFromString(plan.snapshotTs), tsFromString(plan.toTs!));

  it('replays a chain holding a stale capture attempt\'s overlapping slice exactly, every entry accounted for', async () => {
    const last = w.moments.at(-1)!;
    const plan = await planRestore(w.catalog, { jobId: w.jobId, toTime: isoSecond(last.ts.high) });
    const chain = await chainOf(plan);
    // A retry's slice that starts inside an earlier one and repeats its later entries (replay-slices.ts).
    const inner = chain.slice(0, -1).find((r) => r.count >= 2);
    assert.ok(inner !== undefined, `a slice of two entries or more before the chain's last (counts ${chain.map((r) => r.count).join(', ')})`);
    const slices = new SliceStore(w.storeOf, w.catalog.slices);
    const raw = await slices.read(inner);
    const tsOf = (b: Uint8Array) => BSON.deserialize(b).ts as Timestamp;
    const stale = raw.slice(1);
    await slices.writeOplogSlice({ jobId: w.jobId, sliceStore: 'slices' }, { entries: stale, walls: stale.map(() => Number.NaN), prevTs: tsOf(raw[0]!), firstTs: tsOf(stale[0]!), lastTs: tsOf(stale.at(-1)!) });
    const added = (await chainOf(plan)).filter((r) => !chain.some((c) => c._id === r._id));
    assert.equal(added.length, 1, 'the stale slice is in the chain');
    try {
      const { db, run } = restore({ plan });
      const res = await run;
      assertState(await sourceState(w.head, db), last.state, 'with an overlapping slice');
      assert.equal(res.replay!.slices, chain.length + 1);
    } finally {
      await w.stores.slices.store.delete(added[0]!._id);
      await w.catalog.slices.delete(added[0]!._id);
    }
  });

  /**
   * A replay to the last moment, set up as the workflow leaves it before its replay phase: the target at
   * the snapshot, the namespace map, the slices and a running restore record.
   */
  const atSnapshot = async (minSlices: number, name: string) => {
    const last = w.moments.at(-1)!;
    const plan = await planRestore(w.catalog, { jobId: w.jobId, toTime: isoSecond(last.ts.high) });
    const chain = await chainOf(plan);
    assert.ok(chain.length >= minSlices, `a chain of ${minSlices} slices or more (${chain.length})`);
    const { db, run } = restore({ plan: { ...plan, toTs: undefined, exact: undefined } });
    await run;
    const { map } = await openSnapshot({ catalog: w.catalog, storeOf: w.storeOf, plan, selection: { rename: renamed(db) } });
    const slices = new SliceStore(w.storeOf, w.catalog.slices);
    const restoreId = uniqueName(name);
    await w.catalog.restores.begin({ _id: restoreId, jobId: w.jobId, snapshotId: plan.snapshotId, target: 'head', namespaces: [], toTs: plan.toTs });
    return { last, plan, chain, db, map, slices, restoreId };
  };

  it('a replay stopped after a saved batch goes on from it: only the later slices read, the state and every total exact', async () => {
    const { last, plan, chain, db, map, slices, restoreId } = await atSnapshot(2, 'replay-resume');
    const replay = (o: Partial<Parameters<typeof replayToTime>[0]>) =>
      replayToTime({ catalog: w.catalog, target: w.head, plan, map: (ns) => map.map(ns), read: (rec) => slices.read(rec), ...o });
    // One slice a batch; the worker "dies" once the first batch's progress is saved in the restore's record.
    const killed = new Error('worker killed');
    let saves = 0;
    await w.catalog.restores.claimReplay(restoreId, 'run/replay', 1);
    const save = async (p: ReplayProgress) => {
      assert.ok(await w.catalog.restores.saveReplay(restoreId, toCheckpoint(p, { owner: 'run/replay', attempt: 1 })));
      if (++saves === 1) throw killed;
    };
    await assert.rejects(replay({ checkpointMs: 0, checkpoint: save }), killed);
    const saved = (await w.catalog.restores.find(restoreId))!.replay!;
    assert.equal(saves, 1, 'no batch after the kill');
    assert.equal(saved.slices, 1);
    assert.equal(saved.sliceId, chain[0]!._id);
    assert.ok(saved.through.equals(chain[0]!.lastTs!), 'saved through the first slice');
    // The retry, from the progress read back from the catalog: it reads the slices after the first only.
    const read: string[] = [];
    const res = await replay({ resume: fromCheckpoint(saved), read: (rec) => (read.push(rec._id), slices.read(rec)) });
    assert.deepEqual(read, chain.slice(1).map((r) => r._id));
    assert.equal(res.resumed?.slices, 1);
    assert.equal(res.slices, chain.length);
    assert.equal(res.entries + res.leftOut, chain.reduce((n, r) => n + r.count, 0), 'every entry of the chain counted once');
    assertState(await sourceState(w.head, db), last.state, 'resumed replay');
  });

  it('a stale attempt superseded by a retry is refused its save and stops; the next retry goes on from the retry\'s progress, exact', async () => {
    const { last, plan, chain, db, map, slices, restoreId } = await atSnapshot(3, 'replay-fence');
    const deps = { catalog: w.catalog, logger: pino({ level: 'silent' }) };
    const owner = 'run/replay/activity-3';
    const attempt = (n: number) => replayCheckpoints(deps, restoreId, owner, n);
    // One slice a batch. Attempt 1 saves its first slice; then attempt 2 starts (attempt 1 missed its
    // heartbeat but runs on) and claims the replay there, and attempt 1 goes on.
    const first = await attempt(1);
    let second: Awaited<ReturnType<typeof attempt>> | undefined;
    let applied1 = 0;
    const stale = replayToTime({
      catalog: w.catalog, target: w.head, plan, map: (ns) => map.map(ns), read: (rec) => slices.read(rec), checkpointMs: 0,
      onProgress: (q) => (applied1 = Math.max(applied1, q.slices)),
      checkpoint: async (p) => {
        await first.checkpoint(p);
        second ??= await attempt(2);
      },
    });
    await assert.rejects(stale, (e) => e instanceof ReplaySuperseded && e.message.includes('superseded'));
    assert.equal(second?.resume?.slices, 1, 'attempt 2 goes on from attempt 1\'s first save');
    assert.ok(applied1 <= 2, `attempt 1 applied the batch it was in when superseded, and no other (${applied1} slices)`);
    const held = (await w.catalog.restores.find(restoreId))!;
    assert.deepEqual([held.replay?.slices, held.replay?.attempt, held.replayClaim?.attempt], [1, 1, 2], 'attempt 1\'s later save was refused');
    assert.deepEqual(await w.catalog.restores.claimReplay(restoreId, owner, 1), { claimed: false, holder: { owner, attempt: 2 } });
    await assert.rejects(attempt(1), ReplaySuperseded);
    // Attempt 2 repeats slice 2 (over attempt 1's writes of it) and dies before saving.
    const killed = new Error('worker killed');
    await assert.rejects(
      replayToTime({ catalog: w.catalog, target: w.head, plan, map: (ns) => map.map(ns), read: (rec) => slices.read(rec), checkpointMs: 0, resume: second!.resume, checkpoint: () => Promise.reject(killed) }),
      killed,
    );
    // Attempt 3 goes on from the progress attempt 2 held, not from anything attempt 1 reached.
    const third = await attempt(3);
    assert.equal(third.resume?.slices, 1);
    const res = await replayToTime({ catalog: w.catalog, target: w.head, plan, map: (ns) => map.map(ns), read: (rec) => slices.read(rec), ...third });
    assert.equal(res.resumed?.slices, 1);
    assert.equal(res.slices, chain.length);
    assert.equal(res.entries + res.leftOut, chain.reduce((n, r) => n + r.count, 0), 'every entry of the chain counted once');
    assertState(await sourceState(w.head, db), last.state, 'after a stale attempt');
  });

  it('fails a point-in-time restore whose slices are not what the catalog says, naming the slice', async () => {
    const plan = await planRestore(w.catalog, { jobId: w.jobId, toTime: isoSecond(w.moments.at(-1)!.ts.high) });
    const chain = await chainOf(plan);
    assert.ok(chain.length >= 2, `a chain of two slices or more (${chain.length})`);
    const [first, second] = chain as [SliceRecord, SliceRecord];
    const fails = async (what: string, check: (e: unknown) => boolean) => {
      const { run } = restore({ plan });
      await assert.rejects(run, (e) => check(e) || assert.fail(`${what}: ${String(e)}`));
    };
    // A record whose count differs from what its slice holds.
    await w.catalog.slices.record({ ...second, count: second.count + 1 });
    try {
      await fails('a wrong count', (e) => e instanceof ChecksumMismatch && e.message.includes(`'${second._id}'`));
    } finally {
      await w.catalog.slices.record(second);
    }
    // A slice object gone from its store.
    const bytes = await w.stores.slices.store.get(second._id);
    await w.stores.slices.store.delete(second._id);
    try {
      await fails('a missing slice object', (e) => e instanceof NotFound && e.message.includes(second._id));
    } finally {
      await w.stores.slices.store.put(second._id, bytes);
    }
    // A record gone from the chain: a hole, named by the slice after it.
    await w.catalog.slices.delete(first._id);
    try {
      await fails('a hole', (e) => e instanceof SliceChainBroken && e.message.includes(`'${second._id}'`));
    } finally {
      await w.catalog.slices.recordInChain(first);
    }
    // The chain's last slice gone (groomed after the plan): it ends short of T, after the slice before it.
    const end = chain.at(-1)!;
    await w.catalog.slices.delete(end._id);
    try {
      await fails('a short chain', (e) => e instanceof RestoreVerifyFailed && e.message.includes('short of the restore time') && e.message.includes(`'${chain.at(-2)!._id}'`));
    } finally {
      await w.catalog.slices.recordInChain(end);
    }
    // Put back as it was: the same restore now succeeds.
    const { db, run } = restore({ plan });
    await run;
    assertState(await sourceState(w.head, db), w.moments.at(-1)!.state, 'after the slices were put back');
  });

  it('refuses a time outside the window, giving the window', async () => {
    const window = await restoreWindow(w.catalog, w.jobId);
    assert.equal(window.ranges.length, 1);
    assert.ok(window.ranges[0]!.from.equals(w.snapshotTs));
    for (const t of [isoSecond(w.snapshotTs.high - 1), isoSecond(window.ranges[0]!.to.high + 5)]) {
      await assert.rejects(planRestore(w.catalog, { jobId: w.jobId, toTime: t }), (err) =>
        err instanceof RestoreOutsideWindow && err.message.includes(describeWindow(window)) && err.message.includes(t));
    }
  });

  it('refuses an unknown snapshot and an unknown job', async () => {
    await assert.rejects(planRestore(w.catalog, { snapshot: `${w.jobId}/1.1` }), (e) => e instanceof NotFound && e.message.includes(`${w.jobId}/1.1`));
    await assert.rejects(planRestore(w.catalog, { jobId: 'no-such-job', toTime: '2024-01-01T00:00:00Z' }), (e) => e instanceof NotFound && e.message.includes('no-such-job'));
  });

  it('refuses a non-empty target without drop, writing nothing; replaces it with drop', async () => {
    const db = targetDb();
    await w.head.db(db).collection('users').insertOne({ _id: 'mine' } as never);
    const before = await sourceState(w.head, db);
    await assert.rejects(restore({ plan: fsPlan }, db).run, (e) => e instanceof TargetNotEmpty && e.message.includes(`'${db}.users'`));
    assertState(await sourceState(w.head, db), before, 'refused target');
    await restore({ plan: fsPlan, drop: true }, db).run;
    assertState(await sourceState(w.head, db), w.atSnapshot, 'dropped and restored');
  });

  it('refuses an encrypted snapshot without its key, or with another key under its id, writing nothing', async () => {
    for (const keyring of [undefined, new Keyring(), new Keyring([new BlobKey(Buffer.alloc(32, 1), w.key.id)])]) {
      const { db, run } = restore({ plan: planIn('s3'), keyring });
      await assert.rejects(run, (e) => e instanceof WrongKey && e.message.includes(w.key.id));
      assert.equal((await sourceState(w.head, db)).size, 0, 'nothing was created');
    }
  });

  it('selects and renames namespaces', async () => {
    const db = targetDb();
    dbs.push(db);
    const res = await runRestore({ catalog: w.catalog, storeOf: w.storeOf, target: w.head, plan: fsPlan, selection: { include: [`${SRC_DB}.users`], rename: [`${SRC_DB}.users=${db}.people`] } });
    assert.deepEqual(res.collections.map((c) => c.target), [`${db}.people`]);
    assertState(await sourceState(w.head, db), new Map([['people', w.atSnapshot.get('users')!]]), 'renamed');
  });

  it('resumes a collection from a cursor exactly, also when the killed attempt went past it', async () => {
    const snap = await openSnapshot({ catalog: w.catalog, storeOf: w.storeOf, plan: fsPlan });
    const { collection } = snap.collections.find((c) => c.collection.ns === `${SRC_DB}.users`)!;
    const target = { db: targetDb(), coll: 'users' };
    dbs.push(target.db);
    await prepareTarget(w.head, [{ ns: collection.ns, target, options: {} }], { drop: false });
    const base = { target: w.head, targetNs: target, store: snap.store, manifest: snap.manifest, collection, batchDocs: 40, readAhead: 2 };
    const cursors: RestoreCursor[] = [];
    const stop = new AbortController();
    await assert.rejects(
      restoreCollection({ ...base, signal: stop.signal, onProgress: (p) => void (cursors.push(p.cursor), cursors.length === 3 && stop.abort()) }),
      (e) => (e as Error).name === 'AbortError',
    );
    assert.equal(await w.head.db(target.db).collection('users').countDocuments(), 120, 'stopped after three batches');
    // The last cursor the caller stored is older than what was inserted (heartbeats are throttled).
    const res = await restoreCollection({ ...base, resume: cursors[0] });
    assert.equal(res.duplicates, 80, 'the two batches inserted past the cursor were recognised, not doubled');
    assert.equal(res.cursor.docs, 300);
    await verifyCollection(w.head, target, collection);
    // Outside a resume, a document already there is an error, not silently skipped.
    await w.head.db(target.db).collection('users').deleteMany({});
    await w.head.db(target.db).collection('users').insertOne(BSON.deserialize(new DocumentSplitter('x').push((await snapshotChunk(snap, collection.chunks[0]!.id)))[0]!));
    await assert.rejects(restoreCollection(base), (e) => e instanceof MongoBulkWriteError);
  });

  it('verification catches a target that differs from the snapshot, by content or by count, naming the collection', async () => {
    const db = targetDb();
    await restore({ plan: fsPlan, selection: { include: [`${SRC_DB}.users`], rename: [`${SRC_DB}=${db}`] } }, db).run;
    const users = (await openSnapshot({ catalog: w.catalog, storeOf: w.storeOf, plan: fsPlan })).manifest.collections.find((c) => c.ns === `${SRC_DB}.users`)!;
    const target = { db, coll: 'users' };
    const coll = w.head.db(db).collection<{ _id: unknown }>('users');
    await verifyCollection(w.head, target, users);
    const named = (e: unknown, count: number) =>
      e instanceof RestoreVerifyFailed && e.message.includes(`'${db}.users' (from '${SRC_DB}.users') holds ${count} documents`);
    // Same count, one value changed: only the content hash sees it.
    const one = (await coll.findOne({}))!;
    await coll.updateOne({ _id: one._id }, { $set: { touched: true } });
    await assert.rejects(verifyCollection(w.head, target, users), (e) => named(e, users.count));
    await coll.deleteOne({ _id: one._id });
    await assert.rejects(verifyCollection(w.head, target, users), (e) => named(e, users.count - 1));
  });

  it('refuses a snapshot with a missing chunk before writing, and removes what it wrote when a chunk is damaged', async () => {
    const damaged = await makeStore('fs', w.head);
    try {
      for await (const e of w.stores.fs.store.list('')) await damaged.store.put(e.key, await w.stores.fs.store.get(e.key));
      const storeOf = (id: string) => (id === 'damaged' ? damaged.store : w.storeOf(id));
      const manifest = (await openSnapshot({ catalog: w.catalog, storeOf, plan: fsPlan })).manifest;
      const users = manifest.collections.find((c) => c.ns === `${SRC_DB}.users`)!;
      const gone = users.chunks[0]!.id;
      const bytes = await damaged.store.get(chunkKey(gone));
      await damaged.store.delete(chunkKey(gone));
      const first = targetDb();
      dbs.push(first);
      await assert.rejects(runRestore({ catalog: w.catalog, storeOf, target: w.head, plan: { ...fsPlan, store: 'damaged' }, selection: { rename: [`${SRC_DB}=${first}`] } }), (e) => e instanceof NotFound && e.message.includes(gone) && e.message.includes(`${SRC_DB}.users`));
      assert.equal((await sourceState(w.head, first)).size, 0, 'nothing written for a missing chunk');
      await damaged.store.put(chunkKey(gone), bytes);
      const bad = users.chunks.at(-1)!.id;
      await corruptFsObject(damaged.store as FsBlobStore, chunkKey(bad));
      const second = targetDb();
      dbs.push(second);
      await assert.rejects(runRestore({ catalog: w.catalog, storeOf, target: w.head, plan: { ...fsPlan, store: 'damaged' }, selection: { rename: [`${SRC_DB}=${second}`] } }), (e) => e instanceof ChecksumMismatch && e.message.includes(bad));
      assert.equal((await sourceState(w.head, second)).size, 0, 'the collections restored before the damaged chunk were removed');
    } finally {
      await damaged.cleanup();
    }
  });

  it('exports the snapshot in mongodump layout, each file equal to the snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hw-dump-'));
    try {
      const snap = await openSnapshot({ catalog: w.catalog, storeOf: w.storeOf, plan: planIn('s3'), keyring: new Keyring([w.key]) });
      await exportDump({ store: snap.store, manifest: snap.manifest, dir, keyring: new Keyring([w.key]) });
      assert.deepEqual(await readdir(dir), [SRC_DB]);
      assert.deepEqual((await readdir(join(dir, SRC_DB))).sort(), ['orders.bson', 'orders.metadata.json', 'users.bson', 'users.metadata.json']);
      for (const coll of ['orders', 'users']) {
        const docs = new DocumentSplitter(coll).push(await readFile(join(dir, SRC_DB, `${coll}.bson`)));
        const hash = new ContentHash();
        for (const d of docs) hash.add(d);
        assert.deepEqual({ count: hash.count, hash: hash.digest(), duplicates: 0 }, w.atSnapshot.get(coll), `${coll}.bson`);
        const meta = BSON.EJSON.parse(await readFile(join(dir, SRC_DB, `${coll}.metadata.json`), 'utf8'), { relaxed: false }) as { collectionName: string; type: string; indexes: Array<{ name: string; key: unknown; unique?: boolean }> };
        assert.equal(meta.collectionName, coll);
        assert.equal(meta.type, 'collection');
        assert.ok(meta.indexes.some((i) => i.name === '_id_'));
        if (coll === 'orders') assert.ok(meta.indexes.some((i) => i.name === 'code_1' && i.unique === true), 'the unique index and its option');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function snapshotChunk(snap: Awaited<ReturnType<typeof openSnapshot>>, id: string): Promise<Buffer> {
  const ref = snap.manifest.collections.flatMap((c) => c.chunks).find((c) => c.id === id)!;
  return readChunkRef(snap.store, snap.manifest, ref);
}
