/**
 * Adapters between domain progress callbacks and Temporal heartbeats: a domain module reports progress,
 * the activity heartbeats it (throttled by the SDK), and a retried attempt resumes from the last one.
 * `keepAlive` also heartbeats on a timer while one long query runs (a scan, a bulk write), so the
 * heartbeat timeout detects a dead worker, not a slow server.
 */
import { Context } from '@temporalio/activity';

const lastDetails = new WeakMap<Context, unknown>();

export function heartbeat(details: unknown): void {
  const ctx = Context.current();
  lastDetails.set(ctx, details);
  ctx.heartbeat(details);
}

/** The details of the last heartbeat of a previous attempt, if any. */
export function resumeFrom<T>(): T | undefined {
  return Context.current().info.heartbeatDetails as T | undefined;
}

export function cancellationSignal(): AbortSignal {
  return Context.current().cancellationSignal;
}

/** Runs `body` while heartbeating the last reported details every few seconds. */
export async function keepAlive<T>(body: () => Promise<T>, everyMs = 5000): Promise<T> {
  const ctx = Context.current();
  if (!lastDetails.has(ctx)) lastDetails.set(ctx, ctx.info.heartbeatDetails);
  const timer = setInterval(() => ctx.heartbeat(lastDetails.get(ctx)), everyMs);
  try {
    return await body();
  } finally {
    clearInterval(timer);
  }
}
