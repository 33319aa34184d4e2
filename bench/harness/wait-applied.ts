/**
 * Waits until a follow workflow reports its head applied through a timestamp, by its `status` query;
 * fails with the last status seen, so a stuck applier is visible in the message.
 */
import type { FollowStatus } from '../../src/contracts/follow.js';
import { compareTsString } from '../../src/contracts/initial-sync.js';

export async function waitApplied(query: (name: string) => Promise<unknown>, through: string, timeoutSeconds: number): Promise<void> {
  const until = Date.now() + timeoutSeconds * 1000;
  let last: FollowStatus | undefined;
  while (Date.now() < until) {
    last = (await query('status').catch(() => undefined)) as FollowStatus | undefined;
    if (last && compareTsString(last.appliedThrough, through) >= 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`headwater did not apply through ${through} within ${timeoutSeconds} s (status: ${JSON.stringify(last)})`);
}
