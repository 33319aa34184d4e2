import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { MongoClient, type Int32 } from 'mongodb';
import { createActivities } from '../../src/activities/index.js';
import { parseConfig } from '../../src/config/load.js';
import type { SnapshotResult, SnapshotStatus } from '../../src/contracts/snapshot.js';
import { headDbName } from '../../src/head/head-names.js';
import { decodeRaw } from '../../src/lib/bson.js';
import { decodeSnapshot, readManifest } from '../../src/snapshot/decode-snapshot.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { newJobId, SMALL_CHUNKS } from '../snapshot/fixtures.js';

describe('snapshot workflow beside a running follow', () => {
  // A source of its own: the shared one's oplog can roll over under other suites' load.
  let ferret: Awaited<ReturnType<typeof startFerret>>;
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let workflowBundle: WorkflowBundleWithSourceMap;
  let deps: Deps;
  let source: MongoClient;
  let head: MongoClient;
  let storeDir: string;
  const db = uniqueName('snf');
  const catalogDb = uniqueName('hw_cat_snf');

  before(async () => {
    t = await connectTemporal();
    native = await nativeConnection();
    workflowBundle = await bundle(workflowsPath);
    ferret = await startFerret({ oplogBytes: 256 * 1024 * 1024 });
    source = new MongoClient(ferret.uri);
    head = mongoClient('head');
    storeDir = await mkdtemp(join(tmpdir(), 'hw-snapf-'));
    deps = createDeps(
      parseConfig({
        temporal: { address: services.temporal.address },
        catalog: { connection: 'head', database: catalogDb },
        connections: { source: { uri: ferret.uri }, head: { uri: services.head.uri } },
        stores: { default: { type: 'fs', path: storeDir } },
      }),
    );
    // b is written before a for each n, so at any point of the oplog |b| is |a| or |a| + 1.
    for (const coll of ['b', 'a']) {
      await source
        .db(db)
        .collection(coll)
        .insertMany(Array.from({ length: 1000 }, (_, n) => ({ _id: n as never, n, pad: 'x'.repeat(200) })));
    }
  });
  after(async () => {
    await head.db(catalogDb).dropDatabase();
    await deps.close();
    await Promise.all([source.close(), head.close(), native.close(), t.connection.close()]);
    await ferret.stop();
    await rm(storeDir, { recursive: true, force: true });
  });

  it('pauses apply at a slice boundary: the snapshot is consistent while writes go on, and apply resumes', async () => {
    const jobId = newJobId('sf');
    const taskQueue = uniqueName('hw-snapf');
    const worker = await createWorker({
      connection: native,
      taskQueue,
      workflowBundle,
      activities: createActivities(deps),
    });
    let writing = true;
    let n = 1000;
    await worker.runUntil(async () => {
      const sync = (await t.client.workflow.execute('initialSync', {
        taskQueue,
        workflowId: `job/${jobId}/initial-sync/1`,
        args: [{ jobId, source: 'source', filter: { include: [db] } }],
      })) as { consistentAt: string };
      const follow = await t.client.workflow.start('follow', {
        taskQueue,
        workflowId: `job/${jobId}/tail`,
        args: [
          {
            jobId,
            syncNumber: 1,
            source: 'source',
            capturedThrough: sync.consistentAt,
            appliedThrough: sync.consistentAt,
            captureSeconds: 2,
            applyIntervalMs: 200,
            sliceMaxAgeMs: 100,
          },
        ],
      });
      const writer = (async () => {
        while (writing) {
          await source
            .db(db)
            .collection('b')
            .insertOne({ _id: n as never, n, pad: 'y'.repeat(200) });
          await source
            .db(db)
            .collection('a')
            .insertOne({ _id: n as never, n, pad: 'y'.repeat(200) });
          n += 1;
          // A steady ~50 writes/s, which apply on FerretDB keeps up with (an unthrottled writer outran it).
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        // Apply is running: let it bring a hundred writes or more to the head (up to 5 min under the whole
        // suite), so a read racing it would show.
        const headA = head.db(headDbName(jobId, 1, db)).collection('a');
        for (let i = 0; i < 600 && (await headA.countDocuments()) < 1100; i += 1)
          await new Promise((r) => setTimeout(r, 500));
        const snapId = `job/${jobId}/snapshot/${Math.floor(Date.now() / 1000)}.0`;
        const snap = await t.client.workflow.start('snapshot', {
          taskQueue,
          workflowId: snapId,
          args: [{ jobId, requestedAt: '1.0', chunker: SMALL_CHUNKS }],
        });
        const r = (await snap.result()) as SnapshotResult;
        const status = await snap.query<SnapshotStatus>('snapshotStatus');
        assert.equal(status.phase, 'complete');
        const manifest = await readManifest(deps.store('default'), r.manifestKey);
        const decoded = await decodeSnapshot(deps.store('default'), manifest);
        const ids = (coll: string) =>
          decoded.get(`${db}.${coll}`)!.map((d) => (decodeRaw(d)._id as Int32).value);
        const [a, b] = [ids('a'), ids('b')];
        assert.ok(a.length >= 1100, `apply ran before the snapshot (a has ${a.length})`);
        assert.deepEqual(
          a,
          Array.from({ length: a.length }, (_, i) => i),
          'a is a prefix of the writes, without holes',
        );
        assert.deepEqual(
          b,
          Array.from({ length: b.length }, (_, i) => i),
          'b too',
        );
        assert.ok(
          b.length - a.length === 0 || b.length - a.length === 1,
          `b has ${b.length}, a has ${a.length}: one point of the oplog`,
        );

        // Apply resumed: the head moves past the snapshot.
        let applied = r.ts;
        for (let i = 0; i < 300 && applied === r.ts; i += 1) {
          await new Promise((res) => setTimeout(res, 200));
          applied = (await follow.query<{ appliedThrough: string }>('status')).appliedThrough;
        }
        assert.notEqual(applied, r.ts, 'apply resumed after the snapshot');

        // A pause that is never resumed ends by itself after its lease; the late resume is told it did not hold.
        const paused = await follow.executeUpdate<{ appliedThrough: string }, [unknown]>('pauseApply', {
          args: [{ by: 'forgetful', maxSeconds: 3 }],
        });
        await new Promise((res) => setTimeout(res, 1500));
        const during = await follow.query<{ appliedThrough: string; capturedThrough: string }>('status');
        assert.equal(during.appliedThrough, paused.appliedThrough, 'apply holds still while paused');
        let after = during.appliedThrough;
        for (let i = 0; i < 100 && after === paused.appliedThrough; i += 1) {
          await new Promise((res) => setTimeout(res, 200));
          after = (await follow.query<{ appliedThrough: string }>('status')).appliedThrough;
        }
        assert.notEqual(after, paused.appliedThrough, 'apply resumed when the lease ran out');
        const late = await follow.executeUpdate<{ held: boolean }, [unknown]>('resumeApply', {
          args: [{ by: 'forgetful' }],
        });
        assert.equal(late.held, false);
        await follow.terminate('test over');
      } finally {
        writing = false;
        await writer;
      }
    });
    await head.db(headDbName(jobId, 1, db)).dropDatabase();
  });
});
