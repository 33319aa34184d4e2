/**
 * The demo's write workload: what an application does to the sample while the job runs (orders placed
 * and moved along, stock changed, notes written and deleted, contacts replaced, page views logged), paced
 * to a fixed rate so the follow can keep up on 2 cores. `pause()` returns once no write is in flight, so
 * the source is still while the demo notes a moment to restore to.
 */
import type { Document, MongoClient, ObjectId } from 'mongodb';
import type { DemoNames } from './names.js';
import { makers, seeded, sku, STATUSES, type Counts } from './sample-data.js';

export interface WriteStats { inserts: number; updates: number; deletes: number; replaces: number; errors: number; lastError?: string }

export class Workload {
  readonly stats: WriteStats = { inserts: 0, updates: 0, deletes: 0, replaces: 0, errors: 0 };
  private readonly r = seeded(7);
  private orders: ObjectId[] = [];
  private notes: ObjectId[] = [];
  private contacts: ObjectId[] = [];
  private paused = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: MongoClient,
    private readonly names: DemoNames,
    private readonly counts: Counts,
    private readonly perSecond: number,
  ) {}

  get total(): number {
    return this.stats.inserts + this.stats.updates + this.stats.deletes + this.stats.replaces;
  }

  /** Reads some existing ids to change, then writes until stopped. */
  async start(): Promise<void> {
    const ids = async (db: string, coll: string) => (await this.coll(db, coll).find({}, { projection: { _id: 1 } }).limit(300).toArray()).map((d) => d._id as ObjectId);
    [this.orders, this.notes, this.contacts] = await Promise.all([ids('shop', 'orders'), ids('crm', 'notes'), ids('crm', 'contacts')]);
    this.loop = this.run();
  }

  /** Stops writing; resolves once no write is in flight (the source is still until `resume`). */
  async pause(): Promise<void> {
    this.paused = true;
    await this.inFlight;
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<WriteStats> {
    this.stopped = true;
    await this.loop;
    return this.stats;
  }

  private async run(): Promise<void> {
    const gap = 1000 / this.perSecond;
    let next = Date.now();
    while (!this.stopped) {
      next += gap;
      if (!this.paused) {
        this.inFlight = this.once().catch((err: unknown) => {
          this.stats.errors += 1;
          this.stats.lastError = (err as Error).message;
        });
        await this.inFlight;
      }
      // Paced by the clock, not by the write's duration: a slow write does not lower the rate for long.
      next = Math.max(next, Date.now() - 1000);
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
  }

  private coll(db: string, coll: string) {
    return this.source.db(this.names.sourceDb(db)).collection<Document>(coll);
  }

  private async once(): Promise<void> {
    const r = this.r;
    const c = this.counts;
    const x = r.next();
    if (x < 0.25) {
      const doc = makers.order(r, c.customers, c.products);
      await this.coll('shop', 'orders').insertOne(doc);
      this.orders.push(doc._id as ObjectId);
      this.stats.inserts += 1;
    } else if (x < 0.5 && this.orders.length > 0) {
      const status = r.pick(STATUSES);
      await this.coll('shop', 'orders').updateOne({ _id: r.pick(this.orders) }, { $set: { status }, $push: { history: { status, at: new Date() } } } as Document);
      this.stats.updates += 1;
    } else if (x < 0.65) {
      await this.coll('shop', 'products').updateOne({ _id: sku(r.int(c.products)) as never }, { $inc: { stock: -1 - r.int(3) } });
      this.stats.updates += 1;
    } else if (x < 0.8) {
      await this.coll('events', 'pageviews').insertOne(makers.pageview(r, c.customers));
      this.stats.inserts += 1;
    } else if (x < 0.9) {
      const doc = makers.note(r, c.accounts);
      await this.coll('crm', 'notes').insertOne(doc);
      this.notes.push(doc._id as ObjectId);
      this.stats.inserts += 1;
    } else if (x < 0.95 && this.notes.length > 0) {
      const [id] = this.notes.splice(r.int(this.notes.length), 1);
      await this.coll('crm', 'notes').deleteOne({ _id: id });
      this.stats.deletes += 1;
    } else if (this.contacts.length > 0) {
      const { _id: _drop, ...replacement } = makers.contact(r, c.accounts);
      await this.coll('crm', 'contacts').replaceOne({ _id: r.pick(this.contacts) }, replacement);
      this.stats.replaces += 1;
    }
  }
}
