/**
 * Catalog records of store leases: who writes to a snapshot store and who sweeps it. The protocol (who
 * takes which lease when, and why a sweep then never runs beside a writer) is src/groom/store-leases.ts;
 * this class holds its reads and writes, each on one lease document keyed by its id.
 */
import type { Collection } from 'mongodb';
import { z } from 'zod';

export const StoreLease = z.object({
  _id: z.string(),
  store: z.string(),
  kind: z.enum(['writer', 'sweeper']),
  owner: z.string(),
  expiresAt: z.date(),
});
export type StoreLease = z.infer<typeof StoreLease>;

export class StoreLeaseCatalog {
  constructor(private readonly coll: Collection<StoreLease>) {}

  /** Writes the lease, replacing any lease of the same id. */
  async put({ _id, ...lease }: StoreLease): Promise<void> {
    await this.coll.replaceOne({ _id }, lease, { upsert: true });
  }

  /** Creates the lease; false when one of its id exists (or the insert failed). */
  async insert(lease: StoreLease): Promise<boolean> {
    try {
      await this.coll.insertOne(lease);
      return true;
    } catch {
      return false;
    }
  }

  /** Moves the lease's expiry to `until` if `owner` holds it and it is live at `now`; false otherwise. */
  async extend(_id: string, owner: string, now: Date, until: Date): Promise<boolean> {
    const res = await this.coll.updateOne({ _id, owner, expiresAt: { $gt: now } }, { $set: { expiresAt: until } });
    return res.matchedCount === 1;
  }

  /** Replaces the lease only if it is still the one read (same owner and expiry): a compare-and-set. */
  async replaceIf(read: Pick<StoreLease, '_id' | 'owner' | 'expiresAt'>, { _id: _, ...lease }: StoreLease): Promise<boolean> {
    const res = await this.coll.replaceOne({ _id: read._id, owner: read.owner, expiresAt: read.expiresAt }, lease);
    return res.matchedCount === 1;
  }

  /** The lease of that id, live or not, as stored. */
  async find(_id: string): Promise<StoreLease | null> {
    return this.coll.findOne({ _id });
  }

  /** The lease of that id if it is live at `now`. */
  async findLive(_id: string, now: Date): Promise<StoreLease | undefined> {
    const doc = await this.coll.findOne({ _id, expiresAt: { $gt: now } });
    return doc === null ? undefined : StoreLease.parse(doc);
  }

  /** Deletes the lease if `owner` holds it. */
  async delete(_id: string, owner: string): Promise<void> {
    await this.coll.deleteOne({ _id, owner });
  }

  /** Writer leases of `store` live at `now`. */
  async liveWriters(store: string, now: Date): Promise<StoreLease[]> {
    const docs = await this.coll.find({ store, kind: 'writer', expiresAt: { $gt: now } }).toArray();
    return docs.map((d) => StoreLease.parse(d));
  }
}
