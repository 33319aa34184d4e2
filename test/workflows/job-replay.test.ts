/**
 * Recorded job histories replayed against today's workflow code, so a change of command order that
 * would break running jobs fails here, not in production. Each fixture in test/fixtures/replay/ is the
 * backupJob history of a real run (dev server, worker, FerretDB through the rollover test's proxy) whose
 * initial sync the oplog outran: one recorded by the code before the sync's rollover took the follow's
 * path (the job stopped, its Schedules paused), which must replay as it ran behind
 * patched('sync-rollover-resync-required'); one recorded by the code that added it. Nothing here needs a server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import proto from '@temporalio/proto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/bundle.js';
import { bundle } from '../harness/temporal.js';

type History = ReturnType<typeof proto.temporal.api.history.v1.History.fromObject>;

/** A history stored as the client's fetchHistory() gave it, serialised with JSON.stringify. */
function load(name: string): History {
  const json: unknown = JSON.parse(readFileSync(new URL(`../fixtures/replay/${name}`, import.meta.url), 'utf8'));
  return proto.temporal.api.history.v1.History.fromObject(json as Record<string, unknown>);
}

/** In order: the activities scheduled, child workflows failed, and patch markers (by patch id). */
function commands(h: History): string[] {
  return (h.events ?? []).flatMap((e) => {
    if (e.activityTaskScheduledEventAttributes) return [e.activityTaskScheduledEventAttributes.activityType?.name ?? '?'];
    if (e.childWorkflowExecutionFailedEventAttributes) return ['child failed'];
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [`patch ${(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id}`] : [];
  });
}

describe('job histories recorded by earlier code still replay', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundle(workflowsPath);
  });

  it('replays a job whose sync rolled over under the old code: stopped, Schedules paused', async () => {
    const h = load('job-sync-rollover-stopped.json');
    const after = commands(h).slice(commands(h).indexOf('child failed'));
    assert.deepEqual(after, ['child failed', 'recordJobState', 'checkJobHealth', 'pauseJobSchedules'], 'the fixture is the old shape');
    await Worker.runReplayHistory({ workflowBundle }, h);
  });

  it('replays a job whose sync rolled over under this code: resync required, nothing paused', async () => {
    const h = load('job-sync-rollover-resync-required.json');
    const after = commands(h).slice(commands(h).indexOf('child failed'));
    assert.deepEqual(after, ['child failed', 'patch sync-rollover-resync-required', 'recordJobState', 'checkJobHealth'], 'the fixture is the new shape');
    await Worker.runReplayHistory({ workflowBundle }, h);
  });
});
