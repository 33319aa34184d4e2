/**
 * The restore: the job at the chosen second into new databases (`<db>_restored`) on the target server,
 * with a progress bar; then the proof. The restore verifies itself (count and content hash per
 * collection); the demo also compares the restored databases with what the source held at that second,
 * and shows that the source has moved on since (so the restore went back in time).
 */
import type { RestoreResult } from '../src/contracts/restore.js';
import { isoSecond } from '../src/restore/restore-time.js';
import { say, type DemoContext } from './context.js';
import { databaseState, differences } from './digest.js';
import { SAMPLE_DBS } from './names.js';
import { Bars } from './progress.js';
import type { Moment } from './snapshot-step.js';
import { sampleDbs } from './sync-step.js';
import { waitFor } from './wait.js';

export interface RestoreOutcome { result: RestoreResult; workflowId: string; equal: boolean; mismatched: string[]; sourceChanged: number }

export async function restoreMoment(ctx: DemoContext, moment: Moment): Promise<RestoreOutcome> {
  const { names } = ctx;
  const { restoreId, workflowId } = await ctx.hw.startRestore({
    restoreId: `${names.jobId}-at-${moment.second}`,
    from: { jobId: names.jobId, toTime: isoSecond(moment.second) },
    target: 'target',
    renames: SAMPLE_DBS.map((d) => `${names.sourceDb(d)}=${names.restoredDb(d)}`),
  });
  say(`  ${workflowId}: ${isoSecond(moment.second)} onto the target as ${SAMPLE_DBS.map((d) => names.restoredDb(d)).join(', ')}`);
  const bars = new Bars([{ key: 'docs', label: 'documents restored', total: 1 }]);
  await waitFor({
    probe: () => ctx.hw.restoreStatus(restoreId),
    done: (s) => s.phase === 'complete' || s.phase === 'failed',
    timeoutMs: 10 * 60_000,
    signal: ctx.signal,
    onValue: (s) => bars.update('docs', s.counts.documents, s.phase, Math.max(1, s.counts.expectedDocuments)),
  });
  bars.stop();
  const result = await ctx.hw.restoreResult(restoreId); // throws the restore's own failure, named
  const replay = result.replay === undefined ? 'nothing replayed' : `${result.replay.entries} oplog entries replayed after snapshot ${result.snapshotId}`;
  say(`  restored ${result.documents} documents in ${result.collections.length} collections, ${replay}; ${result.indexes.built} indexes built`);

  // Two servers, two full reads: side by side.
  const [restored, now] = await Promise.all([
    databaseState(ctx.head, Object.fromEntries(SAMPLE_DBS.map((d) => [d, names.restoredDb(d)]))),
    databaseState(ctx.source, sampleDbs(ctx)),
  ]);
  const mismatched = differences(moment.state, restored);
  const sourceChanged = differences(moment.state, now).length;
  const selfVerified = result.collections.every((c) => c.ok);
  say(`  the restore's own check (count and content hash per collection): ${selfVerified ? 'all equal' : 'MISMATCH'}`);
  say(
    mismatched.length === 0
      ? `  restored == the source at ${isoSecond(moment.second)}: ${restored.size} collections equal by count and content hash`
      : `  restored differs from the source at ${isoSecond(moment.second)} in: ${mismatched.join(', ')}`,
  );
  say(`  the source has moved on since: ${sourceChanged} of ${now.size} collections changed after that second`);
  return { result, workflowId, equal: mismatched.length === 0 && selfVerified, mismatched, sourceChanged };
}
