/**
 * Faults injected into the worker for the soak, at random moments: SIGKILL (crash), SIGTERM (graceful
 * restart), and a stall (SIGSTOP, then SIGCONT after longer than a heartbeat timeout, so Temporal retries
 * activities while the stalled attempt may still wake up and finish). Returns the count of each kind.
 */
import type { BenchWorker } from './headwater.js';
import { progress } from './report.js';

export type FaultKind = 'sigkill' | 'sigterm' | 'stall';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function injectFaults(
  worker: BenchWorker,
  opts: { seconds: number; minGapSeconds: number; maxGapSeconds: number; kinds?: FaultKind[] },
): Promise<Record<string, number>> {
  const kinds = opts.kinds ?? ['sigkill', 'sigkill', 'sigterm', 'stall'];
  const counts: Record<string, number> = {};
  const end = Date.now() + opts.seconds * 1000;
  for (;;) {
    const gap = (opts.minGapSeconds + Math.random() * (opts.maxGapSeconds - opts.minGapSeconds)) * 1000;
    if (Date.now() + gap >= end) break;
    await sleep(gap);
    const kind = kinds[Math.floor(Math.random() * kinds.length)]!;
    progress(`fault: ${kind}`);
    if (kind === 'stall') {
      worker.signal('SIGSTOP');
      await sleep(35_000);
      worker.signal('SIGCONT');
    } else {
      await worker.kill(kind === 'sigkill' ? 'SIGKILL' : 'SIGTERM');
      await worker.start();
    }
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  await sleep(Math.max(0, end - Date.now()));
  return counts;
}
