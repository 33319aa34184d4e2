import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { BSON, Int32, Timestamp, type MongoClient } from 'mongodb';
import { stringify } from 'yaml';
import { createActivities } from '../../src/activities/index.js';
import { parseConfig } from '../../src/config/load.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import type { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { ContentHash } from '../../src/lib/content-hash.js';
import { DocumentSplitter } from '../../src/snapshot/decode-snapshot.js';
import type { Manifest } from '../../src/snapshot/manifest.js';
import { cliCommand } from '../harness/build.js';
import { digest } from '../harness/compare.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, createWorker, nativeConnection } from '../harness/temporal.js';
import { makeHead, makeStore, newJobId, snapshotNow, type TestHead, type TestStore } from '../snapshot/fixtures.js';

const T0 = new Timestamp({ t: 1_700_008_000, i: 1 });
/** One oplog entry after the snapshot, two seconds later: the window's last whole second is T0's next. */
const T1 = new Timestamp({ t: 1_700_008_002, i: 1 });

describe('headwater restore (the CLI, against a worker)', () => {
  let head: MongoClient;
  let deps: Deps;
  let h: TestHead;
  let s: TestStore;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let configFile: string;
  let manifest: Manifest;
  const catalogDb = uniqueName('hw_cat_rcli');
  const taskQueue = uniqueName('hw-rcli');
  const dbs: string[] = [];
  const target = () => {
    const db = uniqueName('rcli');
    dbs.push(db);
    return db;
  };

  /** Runs the CLI without blocking this process (the worker runs in it). */
  const cli = (...args: string[]) => cliWith({ config: configFile }, ...args);
  /** The same, with another configuration file or working directory. */
  const cliWith = (o: { config: string; cwd?: string }, ...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(...cliCommand('restore', ...args), {
        env: { ...process.env, HEADWATER_CONFIG: o.config, LOG_LEVEL: 'warn' },
        cwd: o.cwd,
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('exit', (code) => resolve({ code, out, err: err.split('\n').filter((l) => !/AWS|node >=22|a\.co|^$|versions published|will require|To continue|security updates|trace-warnings|upgrade/.test(l)).join('\n') }));
    });

  before(async () => {
    head = mongoClient('head');
    s = await makeStore('fs', head);
    const config = {
      temporal: { address: services.temporal.address, taskQueue },
      catalog: { connection: 'head', database: catalogDb },
      // `deaf`: an address nothing listens on, given up on after a second.
      connections: { head: { uri: services.head.uri }, target: { uri: services.head.uri }, deaf: { uri: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1000' } },
      stores: { snaps: { type: 'fs', path: (s.store as FsBlobStore).root } },
    };
    configFile = join((s.store as FsBlobStore).root, '..', `${uniqueName('hw-rcli')}.yaml`);
    writeFileSync(configFile, stringify(config));
    deps = createDeps(parseConfig(config));
    h = await makeHead(head, deps.catalog, { jobId: newJobId('rc'), collections: [{ name: 'a', count: 300 }, { name: 'b', count: 50, size: 'medium' }], consistentAt: T0 });
    manifest = await snapshotNow({ head, store: s.store, catalog: deps.catalog, plan: h.plan, ts: T0, storeId: 'snaps' });
    // One insert after the snapshot, captured as a real oplog slice chained to it.
    const entry = BSON.serialize({ ts: T1, t: 1, v: 2, op: 'i', ns: 'src.a', o: { _id: new Int32(900_001), n: new Int32(1) }, wall: new Date(T1.high * 1000) });
    await new SliceStore(deps.store, deps.catalog.slices).writeOplogSlice({ jobId: h.jobId, sliceStore: 'snaps' }, { entries: [entry], walls: [NaN], firstTs: T1, lastTs: T1, prevTs: T0 });
    native = await nativeConnection();
    worker = await createWorker({ connection: native, taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    for (const db of dbs) await head.db(db).dropDatabase();
    await h?.drop();
    await head.db(catalogDb).dropDatabase();
    await deps?.close();
    await s?.cleanup();
    await native?.close();
    await head.close();
  });

  it('start --wait restores the snapshot, then status and list show it complete', async () => {
    const db = target();
    const id = `${h.jobId}-cli`;
    const r = await cli('start', '--snapshot', snapshotId(h.jobId, T0), '--target', 'target', '--rename', `src=${db}`, '--id', id, '--wait');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`restore ${id} complete: snapshot ${h.jobId}/\\S+ onto 'target', 350 documents in 2 collections, each verified`));
    for (const c of ['a', 'b']) assert.deepEqual(await digest(head, db, c), await digest(head, h.headDb, c), `${db}.${c} equals the head`);

    const status = await cli('status', id, '--json');
    assert.equal(status.code, 0, status.err);
    assert.equal(JSON.parse(status.out).phase, 'complete');
    const unknown = await cli('status', `${h.jobId}-none`);
    assert.equal(unknown.code, 2, unknown.err);
    assert.match(unknown.err, /^headwater: restore workflow 'restore\/.+-none' is not known to temporal$/m);
    const list = await cli('list');
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, new RegExp(`^${id}  completed  complete  job ${h.jobId}`, 'm'));
  });

  it('window gives the first and last restorable second; a point in time inside it replays to the exact entry', async () => {
    const w = await cli('window', '--job', h.jobId, '--json');
    assert.equal(w.code, 0, w.err);
    const window = JSON.parse(w.out);
    assert.deepEqual(window.ranges, [{ from: '1700008000.1', to: '1700008002.1', firstSecond: '2023-11-15T00:26:40Z', lastSecond: '2023-11-15T00:26:41Z' }]);
    const text = await cli('window', '--job', h.jobId);
    assert.match(text.out, /restorable from 2023-11-15T00:26:40Z to 2023-11-15T00:26:41Z/);

    const db = target();
    const r = await cli('start', '--job', h.jobId, '--to-time', '1700008002,1', '--target', 'target', '--rename', `src=${db}`, '--ns', 'src.a', '--wait', '--json');
    assert.equal(r.code, 0, r.out + r.err);
    const result = JSON.parse(r.out);
    assert.deepEqual(result.replay.lastOp, { ts: '1700008002.1', ns: 'src.a' });
    assert.equal(await head.db(db).collection('a').countDocuments({}), 301, 'the snapshot plus the replayed insert');
    assert.deepEqual(await head.db(db).listCollections({}, { nameOnly: true }).toArray().then((l) => l.map((c) => c.name)), ['a'], '--ns selected one collection');
  });

  it('refuses with exit 2 and one line: a time outside the window (naming it), and bad options; nothing is written', async () => {
    const db = target();
    const outside = await cli('start', '--job', h.jobId, '--to-time', '2023-11-15T00:26:42Z', '--target', 'target', '--rename', `src=${db}`);
    assert.equal(outside.code, 2, outside.out + outside.err);
    assert.equal(outside.err.trim().split('\n').length, 1, `one line: ${outside.err}`);
    assert.match(outside.err, /^headwater: restore '.+' failed while planning: restore time '2023-11-15T00:26:42Z' is outside the point-in-time window of job '.+': 2023-11-15T00:26:40Z to 2023-11-15T00:26:41Z/);
    const both = await cli('start', '--snapshot', snapshotId(h.jobId, T0), '--job', h.jobId, '--to-time', '1700008002,1', '--target', 'target');
    assert.equal(both.code, 2);
    assert.equal(both.err.trim(), 'headwater: give either --snapshot <id>, or --job <id> with --to-time <time>');
    const badNumber = await cli('start', '--snapshot', snapshotId(h.jobId, T0), '--target', 'target', '--parallelism', '0');
    assert.equal(badNumber.code, 2);
    assert.match(badNumber.err, /--parallelism <n>' argument '0' is invalid\. expected a whole number from 1 to 16/);
    const dbsNow = (await head.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name);
    assert.ok(!dbsNow.includes(db), 'the refused restore wrote nothing');
  });

  it('refuses an unreachable target with exit 2 and one line naming it; nothing is recorded or written', async () => {
    const db = target();
    const id = `${h.jobId}-deaf`;
    const r = await cli('start', '--snapshot', snapshotId(h.jobId, T0), '--target', 'deaf', '--rename', `src=${db}`, '--id', id, '--wait');
    assert.equal(r.code, 2, r.out + r.err);
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    assert.match(r.err, new RegExp(`^headwater: restore '${id}' failed while planning: restore target 'deaf' is not answering: .*127\\.0\\.0\\.1:1`));
    assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
    assert.equal(await deps.catalog.restores.find(id), undefined, 'no restore recorded');
    assert.deepEqual(await deps.catalog.restoreLeases.live(h.jobId), [], 'no restore lease held');
    const dbsNow = (await head.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name);
    assert.ok(!dbsNow.includes(db), 'nothing was written');
  });

  it('export writes the snapshot in mongodump layout, each .bson equal to the manifest by count and hash', async () => {
    const dir = join((s.store as FsBlobStore).root, '..', uniqueName('dump'));
    const r = await cli('export', '--snapshot', snapshotId(h.jobId, T0), '--to-dir', dir);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /exported 2 collections/);
    for (const c of manifest.collections) {
      const [db, coll] = [c.ns.slice(0, c.ns.indexOf('.')), c.ns.slice(c.ns.indexOf('.') + 1)];
      const hash = new ContentHash();
      for (const doc of new DocumentSplitter(c.ns).push(readFileSync(join(dir, db, `${coll}.bson`)))) hash.add(doc);
      assert.deepEqual([hash.count, hash.digest()], [c.count, c.contentHash], `${c.ns}.bson`);
      assert.equal(JSON.parse(readFileSync(join(dir, db, `${coll}.metadata.json`), 'utf8')).collectionName, coll);
    }
    const unknown = await cli('export', '--snapshot', `${h.jobId}/0001700000000-0000000001`, '--to-dir', dir);
    assert.equal(unknown.code, 2, unknown.err);
    assert.match(unknown.err, /^headwater: snapshot '.+0001700000000-0000000001' is not in the catalog$/m);
  });

  it('export runs in the worker: a CLI whose configuration names Temporal alone exports, a relative --to-dir resolved against its cwd', async () => {
    const parent = join((s.store as FsBlobStore).root, '..');
    const cliOnly = join(parent, `${uniqueName('hw-rcli-cli')}.yaml`);
    writeFileSync(cliOnly, stringify({ temporal: { address: services.temporal.address, taskQueue }, connections: {}, stores: {} }));
    const rel = uniqueName('dump-rel');
    const r = await cliWith({ config: cliOnly, cwd: parent }, 'export', '--snapshot', snapshotId(h.jobId, T0), '--to-dir', rel, '--json');
    assert.equal(r.code, 0, r.out + r.err);
    const files = JSON.parse(r.out) as Array<{ ns: string; bson: string; count: number }>;
    assert.deepEqual(files.map((f) => [f.ns, f.count]), manifest.collections.map((c) => [c.ns, c.count]));
    for (const f of files) assert.equal(f.bson.startsWith(join(parent, rel)), true, `${f.bson} under ${join(parent, rel)}`);
    assert.ok(readFileSync(join(parent, rel, 'src', 'a.bson')).length > 0);
    // Where the worker cannot make the directory: refused in the worker's words, exit 2.
    const blocked = join(parent, uniqueName('a-file'));
    writeFileSync(blocked, 'not a directory');
    const refused = await cliWith({ config: cliOnly }, 'export', '--snapshot', snapshotId(h.jobId, T0), '--to-dir', join(blocked, 'dump'));
    assert.equal(refused.code, 2, refused.out + refused.err);
    assert.match(refused.err, /^headwater: cannot write the export to '.+\/dump' on this worker's host: /m);
  });
});
