/**
 * Tail cursors kept open between capture calls in one worker process. A call that ends cleanly leaves its
 * cursor here, positioned just after the last entry it put in a durable slice, and the next call that
 * resumes exactly there takes it instead of opening a new one. Opening costs a `{ts: {$gte: X}}` query,
 * which FerretDB serves by reading the whole oplog: 1.5-5.3 s per call on an 8 MiB oplog under the oplog
 * bench's load, most of a 5 s call, and the bulk of its capture lag (docs/benchmarks.md). On MongoDB an
 * open is cheap, and keeping the cursor still saves the open and its first round trip.
 *
 * A cursor is reused only by the same client, for the same cursor shape, and only when the call's afterTs
 * is the cursor's position: what the cursor returns next is then exactly what follows afterTs in the
 * oplog, so the chain of slices stays exact. A failed call never parks its cursor (its last slice may not
 * be durable), so a retry reopens at its anchor and checks it. A cursor left unused for `idleMs` is closed.
 */
import type { FindCursor, MongoClient, Timestamp } from 'mongodb';

interface Parked {
  cursor: FindCursor;
  client: MongoClient;
  /** The running maximum `ts` of every entry the cursor has returned: it continues just after this. */
  after: Timestamp;
  idleTimer: NodeJS.Timeout;
}

export class TailCursors {
  private readonly parked = new Map<string, Parked>();

  /** Idle cursors are closed after `idleMs`: an open cursor holds a server cursor and its session. */
  constructor(private readonly idleMs = 30_000) {}

  /**
   * The cursor parked under `key` when it continues exactly after `after` on `client`; the caller owns
   * it from now on. A parked cursor that does not match is closed: its call's chain went another way.
   */
  take(key: string, client: MongoClient, after: Timestamp): FindCursor | undefined {
    const p = this.parked.get(key);
    if (p === undefined) return undefined;
    this.forget(key, p);
    if (p.client === client && p.after.equals(after) && !p.cursor.closed) return p.cursor;
    void p.cursor.close().catch(() => undefined);
    return undefined;
  }

  /** Keeps `cursor`, every entry of which up to `after` is in a durable slice, for the next call. */
  park(key: string, client: MongoClient, after: Timestamp, cursor: FindCursor): void {
    const old = this.parked.get(key);
    if (old !== undefined) {
      this.forget(key, old);
      void old.cursor.close().catch(() => undefined);
    }
    const idleTimer = setTimeout(() => {
      const p = this.parked.get(key);
      if (p?.cursor !== cursor) return;
      this.forget(key, p);
      void cursor.close().catch(() => undefined);
    }, this.idleMs);
    idleTimer.unref(); // a parked cursor never keeps a process alive
    this.parked.set(key, { cursor, client, after, idleTimer });
  }

  /** How many cursors are parked (for tests and metrics). */
  get size(): number {
    return this.parked.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.parked.entries()];
    for (const [key, p] of all) this.forget(key, p);
    await Promise.all(all.map(([, p]) => p.cursor.close().catch(() => undefined)));
  }

  private forget(key: string, p: Parked): void {
    clearTimeout(p.idleTimer);
    this.parked.delete(key);
  }
}
