/**
 * Leases of restores in progress: while a restore reads a job's snapshot and the oplog slices after it,
 * its lease names the snapshot and the first slice position it needs, and groom keeps both (expire never
 * drops the snapshot nor moves the slice floor past `fromTs`). Leases expire, so a crashed restore never
 * pins storage for ever; a live restore renews its lease while it works.
 */
import type { Collection } from 'mongodb';
import { Timestamp } from 'mongodb';
import { z } from 'zod';

export const RestoreLease = z.object({
  /** The restore's id. */
  _id: z.string(),
  jobId: z.string(),
  /** The snapshot the restore reads (catalog id `<jobId>/<tsKey>`). */
  snapshotId: z.string(),
  /** The restore reads oplog slices whose prevTs is at or after this (the snapshot's ts). */
  fromTs: z.instanceof(Timestamp),
  expiresAt: z.date(),
});
export type RestoreLease = z.infer<typeof RestoreLease>;

export class RestoreLeaseCatalog {
  constructor(
    private readonly coll: Collection<RestoreLease>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes (or, for a retried restore, takes again) the lease of `restoreId` for `ttlMs`. */
  async acquire(lease: Omit<RestoreLease, 'expiresAt'>, ttlMs: number): Promise<void> {
    const { _id, ...rest } = RestoreLease.parse({ ...lease, expiresAt: new Date(this.now() + ttlMs) });
    await this.coll.replaceOne({ _id }, rest, { upsert: true });
  }

  /** Extends the lease; false when it lapsed or is gone (groom may have run since: plan again). */
  async renew(restoreId: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const res = await this.coll.updateOne(
      { _id: restoreId, expiresAt: { $gt: new Date(now) } },
      { $set: { expiresAt: new Date(now + ttlMs) } },
    );
    return res.matchedCount === 1;
  }

  /** Ends the lease (a finished or failed restore); a missing lease is fine. */
  async release(restoreId: string): Promise<void> {
    await this.coll.deleteOne({ _id: restoreId });
  }

  /** The live leases on a job's storage. */
  async live(jobId: string): Promise<RestoreLease[]> {
    const docs = await this.coll.find({ jobId, expiresAt: { $gt: new Date(this.now()) } }).toArray();
    return docs.map((d) => RestoreLease.parse(d));
  }
}
