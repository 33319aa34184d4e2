import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until `ok` holds, and fails naming `what`, the last value and the last error when
 * `timeoutMs` passes: for waits on state the test cannot be told about (a job's status, a CLI's output).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  { timeoutMs = 300_000, pauseMs = 500 }: { timeoutMs?: number; pauseMs?: number } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let error = '';
  for (;;) {
    const v = await probe().catch((err: Error) => void (error = err.message));
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(v)} ${error}`);
    await sleep(pauseMs);
  }
}
