/**
 * The handover from an initial sync to its follow, on a real FerretDB source, head, worker and dev
 * server, under a writer that never rests: the sync's oplog capture runs on through its final apply (a
 * long final apply used to leave the source's oplog uncaptured until the follow started, and a small
 * oplog could roll past it), the follow then captures from the chain's end, and the chain from T0 stays
 * gapless and without overlap through the handover, every write in the head once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import type { FollowStatus } from '../../src/contracts/follow.js';
import { compareTsString, type SyncResult } from '../../src/contracts/initial-sync.js';
import { headDbName } from '../../src/head/head-names.js';
import { tsToString } from '../../src/lib/bson.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { uniqueName } from '../harness/services.js';
import { newJobId } from '../snapshot/fixtures.js';
import { startFollowFixture, type FollowFixture } from './follow-fixture.js';

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
  let f: FollowFixture;
  const db = uniqueName('ho');

  before(async () => {
    f = await startFollowFixture({ name: 'ho', oplogBytes: 64 * 1024 * 1024 });
    await f.source.db(db).collection('c').insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: -1 - i, v: 0 }) as never));
    await f.source.db(db).collection('c').createIndex({ v: 1 });
  });
  after(async () => {
    await f.stop({ headDbsWith: db });
  });

  it('captures through the final apply, and the follow carries the chain on without a gap or an overlap', async () => {
    const { t, deps, source, head } = f;
    const jobId = newJobId('ho');
    const taskQueue = uniqueName('hw-ho');
    const worker = await f.worker(taskQueue);
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

      const follow = await f.startFollow({ taskQueue, jobId, consistentAt: sync.consistentAt });
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
