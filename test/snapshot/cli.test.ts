/**
 * `snapshot list`, `snapshot verify` and `catalog rebuild` as an operator runs them: the real CLI process,
 * whose configuration names only Temporal (no catalog, connection or store: it could not build the
 * worker's dependencies), against an in-process worker that holds the catalog and the store.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { Timestamp, type MongoClient } from 'mongodb';
import { stringify } from 'yaml';
import { createActivities } from '../../src/activities/index.js';
import type { Deps } from '../../src/activities/deps.js';
import { Catalog } from '../../src/catalog/catalog.js';
import type { Manifest } from '../../src/snapshot/manifest.js';
import { rebuildSnapshotCatalog } from '../../src/snapshot/rebuild-catalog.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import type { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { chunkKey } from '../../src/store/layout.js';
import { parseConfig } from '../../src/config/load.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import { createDeps } from '../../src/worker/deps.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { corruptObject } from '../store/corrupt.js';
import { makeHead, makeStore, newJobId, snapshotNow, type TestHead, type TestStore } from './fixtures.js';
import { cliCommand } from '../harness/build.js';
import { bundle, createWorker, nativeConnection } from '../harness/temporal.js';

const ts = (i: number) => new Timestamp({ t: 1_700_003_000 + i, i: 2 });

describe('headwater snapshot verify, snapshot list and catalog rebuild (the CLI, against a worker)', () => {
  let head: MongoClient;
  let catalog: Catalog;
  const catalogDb = uniqueName('hw_cat_cli');
  let h: TestHead;
  let t: TestStore;
  let configFile: string;
  const manifests: Manifest[] = [];
  const taskQueue = uniqueName('hw-scli');
  let deps: Deps;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;

  /** Runs the CLI without blocking this process (the worker runs in it). */
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(...cliCommand(...args), { env: { ...process.env, HEADWATER_CONFIG: configFile, LOG_LEVEL: 'warn' } });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const timer = setTimeout(() => child.kill(), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });

  before(async () => {
    head = mongoClient('head');
    catalog = new Catalog(head, catalogDb);
    h = await makeHead(head, catalog, { jobId: newJobId('cli'), collections: [{ name: 'a', count: 800 }, { name: 'b', count: 100, size: 'medium' }] });
    t = await makeStore('fs', head);
    for (const i of [1, 2]) manifests.push(await snapshotNow({ head, store: t.store, catalog, plan: h.plan, ts: ts(i), storeId: 'snaps' }));
    // The worker's configuration: the catalog and the store. The CLI's names Temporal alone.
    deps = createDeps(parseConfig({
      temporal: { address: services.temporal.address, taskQueue },
      catalog: { connection: 'head', database: catalogDb },
      connections: { head: { uri: services.head.uri } },
      stores: { snaps: { type: 'fs', path: (t.store as FsBlobStore).root } },
    }));
    configFile = join((t.store as FsBlobStore).root, '..', `${uniqueName('hw-cli')}.yaml`);
    writeFileSync(configFile, stringify({ temporal: { address: services.temporal.address, taskQueue }, connections: {}, stores: {} }));
    native = await nativeConnection();
    worker = await createWorker({ connection: native, taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await deps?.close();
    await native?.close();
    await h.drop();
    await head.db(catalogDb).dropDatabase();
    await t.cleanup();
    await head.close();
  });

  it('rebuilds the snapshot records from the store alone', async () => {
    const want = await catalog.snapshots.list(h.jobId);
    assert.equal(want.length, 2);
    await head.db(catalogDb).collection('snapshots').deleteMany({});
    await catalog.snapshots.record({ ...want[0]!, _id: snapshotId(h.jobId, ts(9)), ts: ts(9), manifestKey: 'manifests/gone.json' });
    const r = await cli('catalog', 'rebuild', '--store', 'snaps', '--json');
    assert.equal(r.code, 0, r.out);
    const report = JSON.parse(r.out.trim().split('\n').at(-1)!);
    assert.deepEqual(report.recorded, want.map((w) => w._id));
    assert.deepEqual(report.removed, [snapshotId(h.jobId, ts(9))], 'a record without a manifest is removed');
    const got = await catalog.snapshots.list(h.jobId);
    assert.deepEqual(got.map(({ createdAt: _c, ...rest }) => rest), want.map(({ createdAt: _c, ...rest }) => rest));
    const list = await cli('snapshot', 'list', h.jobId);
    assert.equal(list.code, 0, list.out);
    for (const w of want) assert.match(list.out, new RegExp(w._id));
  });

  it('verify exits 0 on an intact snapshot and 1 naming the damaged chunk and its collection', async () => {
    const id = snapshotId(h.jobId, ts(2));
    const ok = await cli('snapshot', 'verify', id);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /: ok$/m);
    const chunks = manifests[1]!.collections.find((c) => c.ns === 'src.a')!.chunks;
    const bad = chunks[chunks.length - 1]!.id;
    await corruptObject(t.store, chunkKey(bad));
    const failed = await cli('snapshot', 'verify', `${h.jobId}/${manifests[1]!.ts}`);
    assert.equal(failed.code, 1, failed.out);
    assert.match(failed.out, new RegExp(`bad chunk ${bad} \\(collections: src\\.a\\)`));
    assert.match(failed.out, /FAILED/);
  });

  it('rebuild refuses nothing silently: an unreadable manifest is reported with a non-zero exit', async () => {
    await t.store.put(`manifests/${h.jobId}/0001700009999-0000000001.json`, Buffer.from('not a manifest'));
    const r = await cli('catalog', 'rebuild', '--store', 'snaps');
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /unreadable manifest manifests\/.*0001700009999-0000000001\.json/);
    assert.deepEqual((await rebuildSnapshotCatalog({ store: t.store, storeId: 'snaps', catalog })).recorded.length, 2);
  });

  it('groom schedule creates and changes the job\'s Schedule, refuses a bad interval, and unschedule deletes it', async () => {
    const show = async () => (await cli('groom', 'show', h.jobId, '--json')).out;
    assert.equal(JSON.parse((await show()).trim()), null, 'no schedule before');
    const created = await cli('groom', 'schedule', h.jobId, '--every', '6h', '--store', 'snaps', '--json');
    assert.equal(created.code, 0, created.out);
    assert.equal(JSON.parse(created.out.trim()).everyMs, 6 * 3_600_000);
    try {
      const bad = await cli('groom', 'schedule', h.jobId, '--every', '90s');
      assert.equal(bad.code, 2, bad.out);
      assert.match(bad.out, /invalid --every '90s': every is a whole number/);
      const badPolicy = await cli('groom', 'schedule', h.jobId, '--every', '1h', '--policy', '{"keep":{"daily":-1}}');
      assert.equal(badPolicy.code, 2, badPolicy.out);
      assert.match(badPolicy.out, /invalid --policy: keep\.daily/);
      assert.equal(JSON.parse((await show()).trim()).everyMs, 6 * 3_600_000, 'refused input changed nothing');
      const changed = await cli('groom', 'schedule', h.jobId, '--every', '1d', '--store', 'snaps');
      assert.equal(changed.code, 0, changed.out);
      assert.match(changed.out, new RegExp(`job/${h.jobId}/groom: every 24h`));
      assert.match(changed.out, /next: \d{4}-/);
    } finally {
      const gone = await cli('groom', 'unschedule', h.jobId);
      assert.equal(gone.code, 0, gone.out);
      assert.match(gone.out, /deleted the groom schedule/);
    }
    assert.equal(JSON.parse((await show()).trim()), null, 'deleted');
    assert.match((await cli('groom', 'unschedule', h.jobId)).out, /had no groom schedule/);
  });
});
