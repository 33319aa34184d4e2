/**
 * The oplog's two workflow-side loops, one copy for the initial sync and the follow: capture (bounded
 * captureOplog calls back to back, each result checked for low headroom) and apply (bounded applyOplog
 * calls from a position to a target). Replay contract: each activity gets its caller's fields exactly as
 * given (nothing added or defaulted here), and nothing is awaited between a result and the next call, so
 * histories recorded before this module replay unchanged (test/workflows/replay-compat.test.ts).
 */
import { log } from '@temporalio/workflow';
import {
  CaptureInput,
  type ApplyInput,
  type ApplyResult,
  type CaptureResult,
} from '../contracts/activities.js';
import { compareTsString } from '../contracts/initial-sync.js';
import { long, tailing } from './activity-options.js';

/** A capture call's fields but its start; limits (maxSeconds, pollMs, ...) go to the activity as given. */
export type CaptureCall = Omit<CaptureInput, 'afterTs'>;

export interface CaptureOptions {
  call: CaptureCall;
  /** The last captured entry: where the next call starts. */
  after: () => string;
  /** Checked before each call; true ends the loop (as `stop()` does). */
  until?: () => boolean;
  /** Each call's result, with the headroom warning it raised, if any; the caller moves `after` here. */
  onCaptured: (r: CaptureResult, warning: string | undefined) => void;
}

export interface Capture {
  /** Ends the loop once the call in flight returns. */
  stop: () => void;
  /** Settles when the loop ends; rejects with the failure that ended it (a rolled-over oplog). */
  done: Promise<void>;
}

/** The threshold a call without one gets from the activity's contract, so the warning matches its log. */
const defaultWarnSeconds = CaptureInput.shape.headroomWarnSeconds.parse(undefined);

/**
 * Starts capturing at once: the first call is scheduled before this returns, so callers keep their
 * command order (the capture's first, before whatever they schedule next).
 */
export function startCapture(o: CaptureOptions): Capture {
  let stopped = false;
  const threshold = o.call.headroomWarnSeconds ?? defaultWarnSeconds;
  const { jobId, syncNumber, source, sliceStore, ...limits } = o.call;
  const done = (async () => {
    while (!stopped && !(o.until?.() ?? false)) {
      // Fields in the order callers always sent them (afterTs fifth): the payloads stay byte for byte.
      const r = await tailing.captureOplog({
        jobId,
        syncNumber,
        source,
        sliceStore,
        afterTs: o.after(),
        ...limits,
      });
      o.onCaptured(r, headroomWarning(r.headroomSeconds, threshold));
    }
  })();
  return { stop: () => void (stopped = true), done };
}

/** A warning (also logged) when the source oplog may roll past the next entry before capture reaches it. */
function headroomWarning(seconds: number | null, threshold: number): string | undefined {
  if (seconds === null || seconds >= threshold) return undefined;
  const w = `oplog headroom is ${seconds}s, below ${threshold}s: the source oplog may roll over before capture catches up`;
  log.warn(w);
  return w;
}

/** An apply call's fields but its range: maxSeconds only when the caller sets it (the sync never has). */
export type ApplyCall = Pick<ApplyInput, 'jobId' | 'syncNumber' | 'head'> & { maxSeconds?: number };

export interface ApplyOptions {
  call: ApplyCall;
  /** The head's position: the next call applies after it. */
  from: () => string;
  /** Where to stop; read before each call, so a moving target (the follow's capture) is chased. */
  target: () => string;
  onApplied: (r: ApplyResult) => void;
  /** Checked before each call; true ends the loop. */
  stop?: () => boolean;
  /** Runs each call (the follow's ApplyPause waits out a snapshot's pause); must return its promise. */
  step?: (call: () => Promise<ApplyResult>) => Promise<ApplyResult>;
}

/** Why applyUntil returned: the target was reached, a call made no progress, or `stop` said so. */
export type ApplyEnd = 'reached' | 'stalled' | 'stopped';

/** Applies captured slices from `from` towards `target` in bounded calls. */
export async function applyUntil(o: ApplyOptions): Promise<ApplyEnd> {
  const { jobId, syncNumber, head, ...limits } = o.call;
  // Not async: an async wrapper adds a microtask hop before each call, which could move it after a
  // command the capture loop emits in the same activation (the order the history recorded).
  const step = o.step ?? ((call: () => Promise<ApplyResult>) => call());
  for (;;) {
    if (o.stop?.() ?? false) return 'stopped';
    // Both read before the step: a call waiting out a pause still applies the range it was given.
    const from = o.from();
    const until = o.target();
    if (compareTsString(from, until) >= 0) return 'reached';
    const r = await step(() =>
      long.applyOplog({ jobId, syncNumber, head, afterTs: from, untilTs: until, ...limits }),
    );
    o.onApplied(r);
    if (r.through === from) return 'stalled';
  }
}
