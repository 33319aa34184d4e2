/**
 * The job: created with a short snapshot Schedule, started, and watched through its initial sync (the
 * phases as Ops Manager names them, documents copied, oplog entries captured and applied) until it is
 * Active and following. A sync that does not end within its bound fails the demo, saying where it was.
 */
import { PHASES } from '../src/contracts/initial-sync.js';
import type { JobStatus } from '../src/contracts/job.js';
import { noteLag, say, secs, type DemoContext } from './context.js';
import { SAMPLE_DBS } from './names.js';
import { Bars } from './progress.js';
import { syncPhaseTimes } from './sync-phases.js';
import { waitFor } from './wait.js';

export async function createAndSync(ctx: DemoContext, totalDocs: number): Promise<JobStatus> {
  const { names, size } = ctx;
  const jobs = ctx.hw.jobs;
  await jobs.createJob(
    {
      jobId: names.jobId,
      source: 'source',
      filter: { include: Object.values(sampleDbs(ctx)) },
      retention: { intervalHours: size.snapshotEverySeconds / 3600, pointInTimeHours: 1 },
    },
    // Capture calls keep the product's default length (60 s), so the demo shows the follow as an operator
    // gets it: the follow applies what a call took when the call returns, and the head moves about once
    // a minute (a shorter call is a test knob, and calls of 5 s once returned nothing on a loaded machine).
  );
  say(`  job ${names.jobId} created: snapshots every ${size.snapshotEverySeconds} s, 1 h point-in-time window`);
  await jobs.startJob(names.jobId, 'demo');
  const bars = new Bars([
    { key: 'phase', label: 'phase', total: PHASES.length - 1 },
    { key: 'copy', label: 'documents copied', total: totalDocs },
    { key: 'oplog', label: 'oplog applied', total: 1 },
  ]);
  const w = await waitFor({
    probe: () => jobs.jobStatus(names.jobId),
    done: (s) => s.state === 'Active' && s.phase === 'following',
    timeoutMs: 15 * 60_000,
    signal: ctx.signal,
    onValue: (s) => {
      const p = s.sync;
      if (p !== undefined) {
        bars.update('phase', PHASES.indexOf(p.phase), p.phase);
        const copied = Object.values(p.collections).reduce((n, c) => n + c.docs, 0);
        bars.update('copy', copied, '', Math.max(totalDocs, copied)); // the writer inserts during the copy
        bars.update('oplog', p.applied.entries, `captured ${p.oplog.entries} in ${p.oplog.slices} slices`, Math.max(1, p.oplog.entries));
      } else if (s.state === 'Active') {
        bars.update('phase', PHASES.length - 1, 'complete');
      }
      noteLag(ctx, s.follow);
    },
  });
  bars.stop();
  if (!w.ok) {
    throw new Error(`the job is not Active after ${secs(w.ms)}: state ${w.value?.state ?? '?'}, phase ${w.value?.phase ?? '?'}${w.value?.lastError ? `, last error ${w.value.lastError.type}: ${w.value.lastError.message}` : ''}`);
  }
  // The writer ran through every phase: 'applying oplogs' applies up to the oplog's end as it was when
  // the phase began, and what is written meanwhile is applied when the sync ends and by the follow.
  ctx.phases = await syncPhaseTimes(ctx.hw.temporal, names.jobId, w.value!.syncNumber);
  say(`  phases (from the sync's history): ${ctx.phases.map((p) => (p.phase === 'complete' ? p.phase : `${p.phase} ${secs(p.ms)}`)).join(' -> ')} -> following`);
  say(`  Active: the head is consistent at ${w.value!.consistentAt}; now following the oplog`);
  return w.value!;
}

export function sampleDbs(ctx: DemoContext): Record<string, string> {
  return Object.fromEntries(SAMPLE_DBS.map((d) => [d, ctx.names.sourceDb(d)]));
}
