/**
 * Damage at rest, in each store type (fs, S3 on MinIO, the FerretDB blockstore): one flipped byte in a
 * chunk, in a manifest and in an oplog slice. `snapshot verify`, a restore and `job check --deep` must each
 * fail and name the damaged object; nothing may read it as good. One job per store (a head snapshotted
 * into that store, and oplog slices after it written to that store) and one worker (for `job check`), set
 * up once; each case flips a byte, checks, and flips it back, so the cases do not disturb each other.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BSON, Int32, Timestamp, type MongoClient } from 'mongodb';
import type { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { JobClient } from '../../src/client/job-client.js';
import { HeadwaterError } from '../../src/errors/domain-errors.js';
import { verifyJobObjects, type ObjectsProgress } from '../../src/oplog/verify-slices.js';
import { planRestore, type RestorePlan } from '../../src/restore/plan-restore.js';
import { formatExact } from '../../src/restore/restore-time.js';
import { runRestore } from '../../src/restore/run-restore.js';
import { readManifest } from '../../src/snapshot/decode-snapshot.js';
import type { Manifest } from '../../src/snapshot/manifest.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { verifySnapshot } from '../../src/snapshot/verify-snapshot.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import { chunkKey } from '../../src/store/layout.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import { createActivities } from '../../src/activities/index.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { makeHead, newJobId, snapshotNow, type TestHead } from '../snapshot/fixtures.js';
import { services, uniqueName } from '../harness/services.js';
import { corruptObject } from './corrupt.js';
import { cliCommand } from '../harness/build.js';

const KINDS = ['fs', 's3', 'mongo'] as const;
type Kind = (typeof KINDS)[number];
// The sync plan's t0 (test/snapshot/fixtures.ts): the slices chain from it, so `job check` sees no hole.
const SNAP_TS = new Timestamp({ t: 1_700_000_000, i: 1 });

interface Job {
  kind: Kind;
  head: TestHead;
  manifest: Manifest;
  manifestKey: string;
  chunk: string;
  slices: string[];
  toTime: string;
}

/** A configuration naming the three test stores and a throwaway catalog, for deps and the CLI alike. */
function writeConfig(dir: string) {
  const m = services.minio;
  const raw = {
    // `job check` runs in a worker (the test starts one on this queue): the CLI reaches only Temporal.
    temporal: { address: services.temporal.address, taskQueue: uniqueName('hw-corrupt') },
    connections: { head: { uri: services.head.uri } },
    catalog: { connection: 'head', database: uniqueName('hw_cat_corrupt') },
    stores: {
      fs: { type: 'fs', path: join(dir, 'store') },
      s3: { type: 's3', bucket: m.bucket, prefix: `test/${uniqueName('corrupt')}`, endpoint: m.endpoint, forcePathStyle: true, accessKeyIdEnv: 'HW_MINIO_USER', secretAccessKeyEnv: 'HW_MINIO_PASSWORD' },
      mongo: { type: 'mongo', connection: 'head', database: uniqueName('hw_blocks_corrupt') },
    },
  };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(raw));
  return { file, config: parseConfig(raw) };
}

const env = { ...process.env, HW_MINIO_USER: services.minio.accessKeyId, HW_MINIO_PASSWORD: services.minio.secretAccessKey };

function cli(config: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(...cliCommand(...args), { env: { ...env, HEADWATER_CONFIG: config, LOG_LEVEL: 'silent' } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Three oplog slices after the snapshot, inserting documents into `src.a`, written to `store`. */
async function writeSlices(slices: SliceStore, jobId: string, store: string): Promise<Timestamp> {
  let prev = SNAP_TS;
  for (let s = 0; s < 3; s++) {
    const tss = [1, 2, 3].map((i) => new Timestamp({ t: SNAP_TS.high + 1 + s, i }));
    const entries = tss.map((ts, i) => BSON.serialize({ ts, t: 1, v: 2, op: 'i', ns: 'src.a', o: { _id: `s${s}-${i}`, n: new Int32(i) }, wall: new Date() }));
    await slices.writeOplogSlice({ jobId, sliceStore: store }, { entries, walls: tss.map(() => Date.now()), firstTs: tss[0]!, lastTs: tss.at(-1)!, prevTs: prev });
    prev = tss.at(-1)!;
  }
  return prev;
}

describe('corruption in every store is named and refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hw-corrupt-'));
  const { file, config } = writeConfig(dir);
  let deps: Deps;
  let head: MongoClient;
  const jobs = new Map<Kind, Job>();
  const targets: string[] = [];
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let jobClient: JobClient;

  before(async () => {
    Object.assign(process.env, { HW_MINIO_USER: env.HW_MINIO_USER, HW_MINIO_PASSWORD: env.HW_MINIO_PASSWORD });
    deps = createDeps(config, pino({ level: 'silent' }));
    head = deps.connections.client('head');
    await deps.catalog.ensureIndexes();
    const slices = new SliceStore((id) => deps.store(id), deps.catalog.slices);
    for (const kind of KINDS) {
      const jobId = newJobId(`x${kind}`);
      const h = await makeHead(head, deps.catalog, { jobId, collections: [{ name: 'a', count: 600 }], consistentAt: SNAP_TS });
      const manifest = await snapshotNow({ head, store: deps.store(kind), catalog: deps.catalog, plan: h.plan, ts: SNAP_TS, storeId: kind });
      const last = await writeSlices(slices, jobId, kind);
      const recs = await deps.catalog.slices.oplog(jobId);
      const chunks = manifest.collections[0]!.chunks;
      const rec = (await deps.catalog.snapshots.list(jobId))[0]!;
      jobs.set(kind, { kind, head: h, manifest, manifestKey: rec.manifestKey, chunk: chunks[Math.floor(chunks.length / 2)]!.id, slices: recs.map((r) => r._id), toTime: formatExact(last) });
    }
    // `job check` runs in a worker, as in production: the client and the CLI start it on this queue.
    t = await connectTemporal();
    native = await nativeConnection();
    worker = await createWorker({ connection: native, taskQueue: config.temporal.taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    running = worker.run();
    jobClient = new JobClient(t.client, config.temporal.taskQueue);
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await native?.close();
    await t?.connection.close();
    for (const j of jobs.values()) await j.head.drop();
    for (const t of targets) await head.db(t).dropDatabase();
    for (const kind of KINDS) for await (const e of deps.store(kind).list('')) await deps.store(kind).delete(e.key);
    await head.db(config.catalog.database).dropDatabase();
    await head.db((config.stores.mongo as { database: string }).database).dropDatabase();
    await deps.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const restore = async (j: Job, pointInTime: boolean) => {
    const db = uniqueName('hw_rst_corrupt');
    targets.push(db);
    const plan: RestorePlan = pointInTime ? await planRestore(deps.catalog, { jobId: j.head.jobId, toTime: j.toTime }) : await planRestore(deps.catalog, { snapshot: snapshotId(j.head.jobId, SNAP_TS) });
    return runRestore({ catalog: deps.catalog, storeOf: (id) => deps.store(id), target: head, plan, selection: { rename: [`src=${db}`] } });
  };
  /** Rejects with a typed error whose message names `name`. */
  const namesIt = (name: string, type = 'ChecksumMismatch') => (e: unknown) => {
    assert.ok(e instanceof HeadwaterError, `a typed error, not ${String(e)}`);
    assert.equal(e.type, type);
    assert.ok(e.message.includes(name), `'${e.message}' names ${name}`);
    return true;
  };
  /** Flips one byte of `key` in the job's store, runs `body`, and flips it back. */
  const damaged = async (j: Job, key: string, body: () => Promise<void>) => {
    await corruptObject(deps.store(j.kind), key);
    try {
      await body();
    } finally {
      await corruptObject(deps.store(j.kind), key);
    }
  };

  for (const kind of KINDS) {
    it(`${kind}: intact, verify, a point-in-time restore and the deep check all pass`, async () => {
      const j = jobs.get(kind)!;
      assert.equal((await verifySnapshot({ store: deps.store(kind), manifest: j.manifest })).ok, true);
      const res = await restore(j, true);
      assert.equal(res.replay?.entries, 9, 'the three slices were replayed');
      const progress: ObjectsProgress[] = [];
      const deep = await verifyJobObjects({ catalog: deps.catalog, storeOf: (id) => deps.store(id), jobId: j.head.jobId, onProgress: (p) => progress.push(p) });
      const chunks = new Set(j.manifest.collections.flatMap((c) => c.chunks.map((r) => r.id))).size;
      assert.deepEqual([deep.ok, deep.slicesRead, deep.manifestsRead, deep.chunksRead], [true, 3, 1, chunks]);
      assert.deepEqual(progress.at(-1), { slicesRead: 3, manifestsRead: 1, chunksRead: chunks, chunks });
    });

    it(`${kind}: a flipped chunk fails verify, a restore and the deep check, each naming it; the target is left empty`, async () => {
      const j = jobs.get(kind)!;
      await damaged(j, chunkKey(j.chunk), async () => {
        const r = await verifySnapshot({ store: deps.store(kind), manifest: j.manifest });
        assert.equal(r.ok, false);
        assert.deepEqual(r.badChunks.map((b) => [b.chunk, b.type]), [[j.chunk, 'ChecksumMismatch']]);
        await assert.rejects(restore(j, false), namesIt(j.chunk));
        assert.equal((await head.db(targets.at(-1)!).listCollections().toArray()).length, 0, 'nothing restored from a damaged snapshot');
        // What `job check --deep` asks the worker for.
        const { objects: deep } = await jobClient.verifyJob(j.head.jobId, { deep: true });
        assert.ok(deep !== undefined && !deep.ok, 'the deep check fails');
        assert.deepEqual(deep.damaged.map((d) => [d.kind, d.name, d.store, d.snapshot, d.type]), [['chunk', j.chunk, kind, snapshotId(j.head.jobId, SNAP_TS), 'ChecksumMismatch']]);
      });
    });

    it(`${kind}: a flipped manifest fails verify's read, a restore and the deep check, each naming it`, async () => {
      const j = jobs.get(kind)!;
      await damaged(j, j.manifestKey, async () => {
        await assert.rejects(readManifest(deps.store(kind), j.manifestKey), namesIt(j.manifestKey));
        await assert.rejects(restore(j, false), namesIt(j.manifestKey));
        const deep = await verifyJobObjects({ catalog: deps.catalog, storeOf: (id) => deps.store(id), jobId: j.head.jobId });
        assert.deepEqual(deep.damaged.map((d) => [d.kind, d.name, d.store, d.type]), [['manifest', j.manifestKey, kind, 'ChecksumMismatch']]);
      });
    });

    it(`${kind}: a flipped oplog slice fails a point-in-time restore and the deep check, each naming it`, async () => {
      const j = jobs.get(kind)!;
      const slice = j.slices[1]!;
      await damaged(j, slice, async () => {
        await assert.rejects(restore(j, true), namesIt(slice));
        const deep = await verifyJobObjects({ catalog: deps.catalog, storeOf: (id) => deps.store(id), jobId: j.head.jobId });
        assert.equal(deep.ok, false);
        assert.deepEqual(deep.damaged.map((d) => [d.kind, d.name, d.type]), [['slice', slice, 'ChecksumMismatch']]);
      });
    });
  }

  it('a missing slice is named by the deep check as not found', async () => {
    const j = jobs.get('fs')!;
    const slice = j.slices[2]!;
    const bytes = await deps.store('fs').get(slice);
    await deps.store('fs').delete(slice);
    try {
      const deep = await verifyJobObjects({ catalog: deps.catalog, storeOf: (id) => deps.store(id), jobId: j.head.jobId });
      assert.deepEqual(deep.damaged.map((d) => [d.name, d.type]), [[slice, 'NotFound']]);
    } finally {
      await deps.store('fs').put(slice, bytes);
    }
  });

  it('the deep check reads a chunk two snapshots share once, and names the newer snapshot with it', async () => {
    const j = jobs.get('s3')!;
    const rec = (await deps.catalog.snapshots.list(j.head.jobId))[0]!;
    const later = new Timestamp({ t: SNAP_TS.high + 10, i: 1 });
    // A second retained snapshot of the same data: its manifest references every chunk of the first.
    await deps.catalog.snapshots.record({ ...rec, _id: snapshotId(j.head.jobId, later), ts: later });
    const gets = new Map<string, number>();
    // The real store, counting its gets.
    const counting = (id: string) =>
      new Proxy(deps.store(id), {
        get(store, prop) {
          if (prop === 'get') return (key: string) => (gets.set(key, (gets.get(key) ?? 0) + 1), store.get(key));
          const v: unknown = Reflect.get(store, prop, store);
          return typeof v === 'function' ? v.bind(store) : v;
        },
      });
    try {
      await damaged(j, chunkKey(j.chunk), async () => {
        const deep = await verifyJobObjects({ catalog: deps.catalog, storeOf: counting, jobId: j.head.jobId });
        const chunkGets = [...gets].filter(([k]) => k.startsWith('chunks/'));
        assert.equal(deep.manifestsRead, 2);
        assert.equal(chunkGets.length, deep.chunksRead);
        assert.deepEqual(chunkGets.filter(([, n]) => n !== 1), [], 'each chunk read once');
        assert.deepEqual(deep.damaged.map((d) => [d.kind, d.name, d.snapshot]), [['chunk', j.chunk, snapshotId(j.head.jobId, later)]]);
      });
    } finally {
      await deps.catalog.snapshots.delete(snapshotId(j.head.jobId, later));
    }
  });

  it('the CLI: `job check --deep` and `snapshot verify` name the damage and exit non-zero', async () => {
    const j = jobs.get('mongo')!;
    const chunks = new Set(j.manifest.collections.flatMap((c) => c.chunks.map((r) => r.id))).size;
    const ok = await cli(file, 'job', 'check', j.head.jobId, '--deep');
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, new RegExp(`3 oplog slices, 1 manifests and ${chunks} chunks read: ok`));
    await damaged(j, j.slices[0]!, async () => {
      await damaged(j, chunkKey(j.chunk), async () => {
        const [check, verify] = await Promise.all([
          cli(file, 'job', 'check', j.head.jobId, '--deep'),
          cli(file, 'snapshot', 'verify', snapshotId(j.head.jobId, SNAP_TS)),
        ]);
        assert.equal(check.code, 1, check.out);
        assert.match(check.out, new RegExp(`damaged slice '${j.slices[0]!}' in store 'mongo'`));
        assert.match(check.out, new RegExp(`damaged chunk '${j.chunk}' in store 'mongo' \\(referenced by snapshot '${snapshotId(j.head.jobId, SNAP_TS)}'\\)`));
        assert.equal(verify.code, 1, verify.out);
        assert.match(verify.out, new RegExp(`bad chunk ${j.chunk} \\(collections: src\\.a\\)`));
        assert.match(verify.out, /FAILED/);
      });
    });
  });

  it('the CLI: `job check` names a hole in the chain and exits 1 (a failure, not refused input)', async () => {
    const j = jobs.get('fs')!;
    const middle = (await deps.catalog.slices.oplog(j.head.jobId))[1]!;
    assert.equal(middle._id, j.slices[1]);
    // The catalog loses the middle slice's record: the third slice no longer follows the first.
    await deps.catalog.slices.delete(middle._id);
    try {
      const check = await cli(file, 'job', 'check', j.head.jobId);
      assert.equal(check.code, 1, check.out);
      assert.match(check.out, /NOT CONTINUOUS: 1 holes, 0 overlaps/);
      assert.match(check.out, new RegExp(`hole after \\d+\\.\\d+ before \\d+\\.\\d+ \\(slice ${j.slices[2]!}\\)`));
    } finally {
      await deps.catalog.slices.recordInChain(middle);
    }
    const whole = await cli(file, 'job', 'check', j.head.jobId);
    assert.equal(whole.code, 0, whole.out);
  });
});
