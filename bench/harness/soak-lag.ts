/**
 * The soak's capture lag, from what happened: the bounds writer's oplog entries are read from the source
 * every few seconds (its small oplog would roll them away before the end), and at the end each one is
 * matched with the first recorded slice that holds it; the lag is the slice's record time in the catalog
 * minus the entry's wall time on the source (source write -> durable slice, faults included).
 */
import type { MongoClient, Timestamp } from 'mongodb';
import { CatalogCollections } from '../../src/catalog/names.js';

interface Seen {
  ts: Timestamp;
  wall: Date;
}
interface SliceSpan {
  prevTs: Timestamp;
  firstTs: Timestamp;
  lastTs: Timestamp;
  createdAt: Date;
}

export class LagSampler {
  private readonly seen: Seen[] = [];
  private after: Timestamp | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly source: MongoClient,
    private readonly ns: string,
  ) {}

  start(everyMs = 20_000): void {
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sample();
  }

  get entries(): number {
    return this.seen.length;
  }

  /** Reads the entries written since the last sample; a source that is down is skipped until it answers. */
  async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const filter = this.after === undefined ? {} : { ts: { $gt: this.after } };
      const docs = await this.source.db('local').collection('oplog.rs').find(filter, { projection: { ts: 1, wall: 1, ns: 1 } }).toArray();
      // The namespace is filtered here: FerretDB serves ns-and-ts oplog queries slowly.
      for (const d of docs) {
        const ts = d.ts as Timestamp;
        if (this.after === undefined || ts.gt(this.after)) this.after = ts;
        if (d.ns === this.ns && d.wall instanceof Date) this.seen.push({ ts, wall: d.wall });
      }
    } catch {
      // The source is stopped (a fault): the entries are still in its oplog at the next sample.
    } finally {
      this.busy = false;
    }
  }

  /**
   * The worst lag in ms over every sampled entry the job's slices should hold, and how many of those no
   * recorded slice holds (each a hole). Entries at or before the chain's start (the sync's T0) were written
   * before capture began: the initial copy holds them, not a slice.
   */
  async lag(head: MongoClient, jobId: string, catalogDb = 'headwater'): Promise<{ maxLagMs: number; uncovered: number }> {
    const slices = (await head
      .db(catalogDb)
      .collection(CatalogCollections.slices)
      .find({ jobId, stream: 'oplog' }, { projection: { firstTs: 1, lastTs: 1, prevTs: 1, createdAt: 1 } })
      .sort({ createdAt: 1 })
      .toArray()) as unknown as SliceSpan[];
    const start = slices.reduce<Timestamp | undefined>((min, s) => (min === undefined || s.prevTs.lt(min) ? s.prevTs : min), undefined);
    let worst = Number.NaN;
    let uncovered = 0;
    for (const e of this.seen) {
      if (start === undefined || e.ts.lte(start)) continue;
      const slice = slices.find((s) => s.firstTs.lte(e.ts) && s.lastTs.gte(e.ts));
      if (slice === undefined) uncovered += 1;
      else worst = Number.isNaN(worst) ? slice.createdAt.getTime() - e.wall.getTime() : Math.max(worst, slice.createdAt.getTime() - e.wall.getTime());
    }
    return { maxLagMs: worst, uncovered };
  }
}
