/**
 * The soak's capture lag, from what happened: the source's oplog entries of the soak database are read
 * every few seconds (its small oplog would roll them away before the end), and at the end each bounds
 * writer entry is matched with the first recorded slice that holds it; the lag is the slice's record time
 * in the catalog minus the entry's wall time on the source (source write -> durable slice, faults included).
 *
 * Each read looks back LOOK_BACK_S seconds before the newest entry seen, so an entry the source made
 * visible after a later one (FerretDB, docs/ferretdb-findings.md) is recorded too, and counted as late:
 * the trace of a lost document (soak-trace.ts) compares these entries with what the slices hold.
 */
import { BSON, Timestamp, type Document, type MongoClient } from 'mongodb';
import { CatalogCollections } from '../../src/catalog/names.js';

/** One source oplog entry of the soak database, as the sampler saw it. */
export interface SourceEntry {
  ts: Timestamp;
  wall: Date;
  op: string;
  ns: string;
  /** The document's `_id` (o._id, or o2._id for an update) as canonical EJSON; '' for commands. */
  id: string;
}

const LOOK_BACK_S = 30;
interface SliceSpan {
  prevTs: Timestamp;
  firstTs: Timestamp;
  lastTs: Timestamp;
  createdAt: Date;
}

export class LagSampler {
  private readonly seen = new Map<string, SourceEntry>();
  private after: Timestamp | undefined;
  /** Entries first seen below the newest ts an earlier read returned (visible out of ts order). */
  late = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly source: MongoClient,
    private readonly db: string,
    private readonly ns: string,
  ) {}

  start(everyMs = 20_000): void {
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sample();
  }

  /** Bounds writer entries seen. */
  get entries(): number {
    return this.bounds().length;
  }

  /** Every recorded entry on `ns` with `_id` `id` (canonical EJSON), in ts order. */
  entriesOf(ns: string, id: string): SourceEntry[] {
    return [...this.seen.values()].filter((e) => e.ns === ns && e.id === id).sort((a, b) => a.ts.compare(b.ts));
  }

  private bounds(): SourceEntry[] {
    return [...this.seen.values()].filter((e) => e.ns === this.ns);
  }

  /** Reads the entries written since the last sample; a source that is down is skipped until it answers. */
  async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const from = this.after === undefined ? undefined : new Timestamp({ t: Math.max(0, this.after.high - LOOK_BACK_S), i: 0 });
      const filter = from === undefined ? {} : { ts: { $gt: from } };
      const docs = await this.source.db('local').collection('oplog.rs').find(filter, { projection: { ts: 1, wall: 1, ns: 1, op: 1, 'o._id': 1, 'o2._id': 1 } }).toArray();
      const newest = this.after;
      // The namespace is filtered here: FerretDB serves ns-and-ts oplog queries slowly.
      for (const d of docs) {
        const ts = d.ts as Timestamp;
        if (this.after === undefined || ts.gt(this.after)) this.after = ts;
        if (typeof d.ns !== 'string' || !d.ns.startsWith(`${this.db}.`) || !(d.wall instanceof Date)) continue;
        const id = idOf(d);
        const key = `${ts.toString()}|${d.ns}|${String(d.op)}|${id}`;
        if (this.seen.has(key)) continue;
        if (newest !== undefined && ts.lt(newest)) this.late += 1;
        this.seen.set(key, { ts, wall: d.wall, op: String(d.op), ns: d.ns, id });
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
    for (const e of this.bounds()) {
      if (start === undefined || e.ts.lte(start)) continue;
      const slice = slices.find((s) => s.firstTs.lte(e.ts) && s.lastTs.gte(e.ts));
      if (slice === undefined) uncovered += 1;
      else worst = Number.isNaN(worst) ? slice.createdAt.getTime() - e.wall.getTime() : Math.max(worst, slice.createdAt.getTime() - e.wall.getTime());
    }
    return { maxLagMs: worst, uncovered };
  }
}

function idOf(d: Document): string {
  const id = (d.op === 'u' ? d.o2?._id : d.o?._id) as unknown;
  return id === undefined ? '' : BSON.EJSON.stringify(id, { relaxed: false });
}
