/**
 * The soak's bounds writer: one insert at a time of `{ _id: n }` for n = 1, 2, 3, ..., each awaited, with
 * the wall time it was first sent and the time it was acknowledged. A failed insert (the source stopped,
 * the connection cut) is retried with the same n until the server answers; a duplicate-key answer means an
 * earlier attempt was written, so it counts as the acknowledgement. Counters are therefore written in order,
 * at most one is ever in flight, and the source holds exactly 1..N.
 *
 * The bounds check, exactly: a restore to the ISO second S includes every oplog entry whose ts seconds are
 * <= S. A counter's entry gets its ts from the source's clock (this machine's) between the send and the
 * acknowledgement, so a counter acknowledged before S+1 must be in the restore, and one first sent at or
 * after S+1 must not be. The one counter that may be in flight across S+1 can fall either way: the restore
 * must hold exactly 1..k for one k with kMin <= k <= kMax (kMin: the last acknowledged before S+1; kMax:
 * the last sent before S+1, kMin or kMin + 1). Anything else is a lost or duplicated document.
 */
import { MongoServerError, type Collection, type MongoClient } from 'mongodb';
import { WriteGate } from './write-gate.js';

export const BOUNDS_COLL = 'bounds';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class BoundsWriter {
  /** sentAt[n - 1] and ackAt[n - 1]: wall milliseconds of counter n's first send and its acknowledgement. */
  readonly sentAt: number[] = [];
  readonly ackAt: number[] = [];
  retries = 0;
  private stopping = false;
  private done: Promise<void> | undefined;
  private readonly gate = new WriteGate();

  constructor(private readonly coll: Collection<{ _id: number }>) {}

  static on(client: MongoClient, db: string): BoundsWriter {
    return new BoundsWriter(client.db(db).collection<{ _id: number }>(BOUNDS_COLL));
  }

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  /** Holds new counters once the one in flight is answered (WriteGate); returns the release. */
  hold(): Promise<() => void> {
    return this.gate.hold();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      await this.gate.enter();
      const n = this.sentAt.length + 1;
      this.sentAt.push(Date.now());
      for (;;) {
        try {
          await this.coll.insertOne({ _id: n });
          break;
        } catch (err) {
          if (err instanceof MongoServerError && err.code === 11000) break;
          this.retries += 1;
          await sleep(200);
        }
      }
      this.ackAt.push(Date.now());
      this.gate.leave();
      // About 10 counters a second: the check's precision comes from the timestamps, not the rate, and
      // every counter is an oplog entry the small soak oplog must hold and the job must apply.
      await sleep(100);
    }
  }

  /** kMin and kMax for a restore to the ISO second `second` (see the module header). */
  expectedAt(second: number): { kMin: number; kMax: number } {
    const edge = (second + 1) * 1000;
    return { kMin: countBefore(this.ackAt, edge), kMax: countBefore(this.sentAt, edge) };
  }
}

/** How many leading values of a nondecreasing list are below `edge`. */
function countBefore(times: number[], edge: number): number {
  let n = 0;
  while (n < times.length && times[n]! < edge) n += 1;
  return n;
}

/** Checks a restored counter collection against kMin..kMax: counters lost (missing) and in excess. */
export async function checkBounds(coll: Collection<{ _id: number }>, want: { kMin: number; kMax: number }): Promise<{ lost: number; duplicated: number; k: number }> {
  const got = (await coll.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
  const seen = new Set<number>();
  let duplicated = 0;
  let k = 0;
  for (const n of got) {
    // In excess: twice, not a counter, or written after T ("none after").
    if (seen.has(n) || !Number.isInteger(n) || n < 1 || n > want.kMax) duplicated += 1;
    else k = Math.max(k, n);
    seen.add(n);
  }
  // Every counter up to kMin must be there, and every counter below the highest present one (no gaps).
  let lost = 0;
  for (let n = 1; n <= Math.max(k, want.kMin); n += 1) if (!seen.has(n)) lost += 1;
  return { lost, duplicated, k };
}
