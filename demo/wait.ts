/**
 * Bounded waits that report: a wait polls for an event and returns as soon as it holds; when its bound
 * passes it returns what it saw last instead of waiting on in silence, and the caller decides whether that
 * is a warning (apply behind) or a failure (a sync that never ends). Ctrl-C ends any wait at once.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Sleeps; Ctrl-C (the signal) ends it with the abort's reason. */
export const sleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

export interface Waited<T> { ok: boolean; value: T | undefined; error?: string; ms: number }

export async function waitFor<T>(o: {
  probe: () => Promise<T>;
  done: (v: T) => boolean;
  timeoutMs: number;
  signal: AbortSignal;
  onValue?: (v: T) => void;
  everyMs?: number;
  /** Why waiting on is pointless (the job failed, needs a resync): ends the wait at once, not at its bound. */
  hopeless?: (v: T) => string | undefined;
}): Promise<Waited<T>> {
  const start = Date.now();
  let value: T | undefined;
  let error: string | undefined;
  for (;;) {
    o.signal.throwIfAborted();
    try {
      value = await o.probe();
      error = undefined;
      o.onValue?.(value);
      if (o.done(value)) return { ok: true, value, ms: Date.now() - start };
      const reason = o.hopeless?.(value);
      if (reason !== undefined) return { ok: false, value, error: reason, ms: Date.now() - start };
    } catch (err) {
      error = (err as Error).message; // a query between two runs of a workflow: try again
    }
    if (Date.now() - start > o.timeoutMs) return { ok: false, value, error, ms: Date.now() - start };
    await sleep(o.everyMs ?? 500, o.signal);
  }
}
