/**
 * The handover from an initial sync to its follow, on a real FerretDB source, head, worker and dev
 * server, under a writer that never rests: the sync's oplog capture runs on through its final apply (a
 * long final apply used to leave the source's oplog uncaptured until the follow started, and a small
 * oplog could roll past it), the follow then captures from the chain's end, and the chain from T0 stays
 * gapless and without overlap through the handover, every write in the head once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NativeConnection } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { createActivities } from '../../src/activities/index.js';
import type { Deps } from '../../src/activities/deps.js';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import { parseConfig } from '../../src/config/load.js';
import type { FollowStatus } from '../../src/contracts/follow.js';
import { compareTsString, type SyncResult } from '../../src/contracts/initial-sync.js';
import { headDbName } from '../../src/head/head-names.js';
import { tsToString } from '../../src/lib/bson.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import { createDeps } from '../../src/worker/deps.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { newJobId } from '../snapshot/fixtures.js';

/** Event ids of a history's activity events, by activity type. */
function activityEvents(events: { eventId?: unknown; activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null; activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown } | null }[]) {
  const typeOf = new Map<string, string>();
  const scheduled: { type: string; id: number }[] = [];
  const completed: { type: string; id: number }[] = [];
  for (const e of events) {
    const id = Number(e.eventId);
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) {
      typeOf.set(String(id), name);
      scheduled.push({ type: name, id });
    }
    const done = e.activityTaskCompletedEventAttributes?.scheduledEventId;
    if (done !== undefined && done !== null) completed.push({ type: typeOf.get(String(Number(done))) ?? '?', id });
  }
  return { scheduled, completed };
}

describe('initial sync to follow handover', () => {
  let ferret: Awaited<ReturnType<typeof startFerret>>;
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let deps: Deps;
  let source: MongoClient;
  let head: MongoClient;
  let storeDir: string;
  const db = uniqueName('ho');
  const catalogDb = uniqueName('hw_cat_ho');

  before(async () => {
    t = await connectTemporal();
    native = await nativeConnection();
    ferret = await startFerret({ oplogBytes: 64 * 1024 * 1024 });
    source = new MongoClient(ferret.uri);
    head = mongoClient('head');
    storeDir = await mkdtemp(join(tmpdir(), 'hw-ho-'));
    deps = createDeps(
      parseConfig({
        temporal: { address: services.temporal.address },
        catalog: { connection: 'head', database: catalogDb },
        connections: { source: { uri: ferret.uri }, head: { uri: services.head.uri } },
        stores: { default: { type: 'fs', path: storeDir } },
      }),
    );
    await source.db(db).collection('c').insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: -1 - i, v: 0 }) as never));
    await source.db(db).collection('c').createIndex({ v: 1 });
  });
  after(async () => {
    await head.db(catalogDb).dropDatabase();
    for (const d of (await head.db('admin').admin().listDatabases({ nameOnly: true })).databases)
      if (d.name.includes(db)) await head.db(d.name).dropDatabase();
    await deps.close();
    await Promise.all([source.close(), head.close(), native.close(), t.connection.close()]);
    await ferret.stop();
    await rm(storeDir, { recursive: true, force: true });
  });

  it('captures through the final apply, and the follow carries the chain on without a gap or an overlap', async () => {
    const jobId = newJobId('ho');
    const taskQueue = uniqueName('hw-ho');
    const worker = await createWorker({ connection: native, taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) await source.db(db).collection('c').insertOne({ _id: written++ as never, v: 1 });
    })();
    await worker.runUntil(async () => {
      const syncId = `job/${jobId}/initial-sync/1`;
      let sync: SyncResult;
      try {
        sync = (await t.client.workflow.execute('initialSync', { taskQueue, workflowId: syncId, args: [{ jobId, source: 'source' }] })) as SyncResult;
      } finally {
        writing = false;
        await writer;
      }
      // The sync's final apply began after its indexes were built; a capture call ended after it began.
      const { scheduled, completed } = activityEvents((await t.client.workflow.getHandle(syncId).fetchHistory()).events ?? []);
      const indexesDone = completed.find((c) => c.type === 'buildIndexes')!.id;
      const finalApply = scheduled.filter((s) => s.type === 'applyOplog' && s.id > indexesDone).at(-1);
      assert.ok(finalApply !== undefined, 'the writer left something to apply after the indexes');
      assert.ok(completed.some((c) => c.type === 'captureOplog' && c.id > finalApply.id), 'capture ran on through the final apply');
      assert.ok(compareTsString(sync.progress.oplog.capturedThrough!, sync.consistentAt) >= 0);

      const follow = await t.client.workflow.start('follow', {
        taskQueue,
        workflowId: `job/${jobId}/tail`,
        args: [{ jobId, syncNumber: 1, source: 'source', capturedThrough: sync.consistentAt, appliedThrough: sync.consistentAt, captureSeconds: 2, applyIntervalMs: 200, sliceMaxAgeMs: 100 }],
      });
      try {
        const end = tsToString(await latestOplogTs(source));
        for (let s = await follow.query<FollowStatus>('status'); compareTsString(s.appliedThrough, end) < 0; s = await follow.query<FollowStatus>('status'))
          await new Promise((r) => setTimeout(r, 250));
      } finally {
        await follow.terminate('test over');
      }
    });

    const coverage = await checkJobCoverage(deps.catalog, jobId, 1);
    assert.equal(coverage.ok, true, JSON.stringify(coverage));
    const ids = (await head.db(headDbName(jobId, 1, db)).collection('c').find({ v: 1 }).project({ _id: 1 }).sort({ _id: 1 }).toArray()).map((d) => Number(d._id));
    assert.deepEqual(ids, Array.from({ length: written }, (_, i) => i), 'every write in the head, once');
  });
});
