/**
 * Catalog records of snapshots: one per committed manifest, written only after the manifest is in the
 * store, so a listed snapshot is always complete. The record is an index over the manifest (which stays
 * the truth): `headwater catalog rebuild` recreates every record from the manifests alone.
 *
 * A snapshot about to be deleted is first marked `expiring` (by groom, or by terminate) and only then are the
 * restore leases read (src/groom/expire.ts); a restore writes its lease and only then reads the record
 * (src/restore/restore-lease.ts). So either the deleter sees the lease, or the restore sees the mark and
 * refuses. A marked snapshot is not restorable: `list` leaves it out; `listAll` (for the deleters) keeps it.
 */
import type { Collection } from 'mongodb';
import { Timestamp } from 'mongodb';
import { z } from 'zod';
import { SnapshotTotals } from '../contracts/snapshot.js';
import { NotFound } from '../errors/domain-errors.js';

/** The record flattens the manifest's totals (one schema, `SnapshotTotals`) beside its own fields. */
export const SnapshotRecord = SnapshotTotals.extend({
  /** `<jobId>/<tsKey>`, as the manifest key names it. */
  _id: z.string(),
  jobId: z.string(),
  syncNumber: z.number().int(),
  ts: z.instanceof(Timestamp),
  /** The store id (from the configuration) and the manifest's key in it. */
  store: z.string(),
  manifestKey: z.string(),
  compression: z.string(),
  encryption: z.string(),
  keyId: z.string().optional(),
  createdAt: z.date(),
  /** Set once a groom or a terminate decided to delete the snapshot: no restore may start from it. */
  expiring: z.enum(['groom', 'terminate']).optional(),
  /**
   * Set by groom before it deletes oplog slices right after this retained snapshot (it is older than the
   * point-in-time window): it restores as itself, never as the base of a replay past its own ts.
   */
  oplogCut: z.boolean().optional(),
});
export type SnapshotRecord = z.infer<typeof SnapshotRecord>;

export class SnapshotCatalog {
  constructor(private readonly coll: Collection<SnapshotRecord>) {}

  async ensureIndexes(): Promise<void> {
    await this.coll.createIndex({ jobId: 1, ts: 1 });
    await this.coll.createIndex({ store: 1 });
  }

  /** Records a committed snapshot; recording it again (a retried commit, a rebuild) replaces the record. */
  async record(rec: SnapshotRecord): Promise<void> {
    const { _id, ...rest } = SnapshotRecord.parse(rec);
    await this.coll.replaceOne({ _id }, rest, { upsert: true, ignoreUndefined: true });
  }

  async find(id: string): Promise<SnapshotRecord | undefined> {
    const doc = await this.coll.findOne({ _id: id });
    return doc === null ? undefined : SnapshotRecord.parse(doc);
  }

  async get(id: string): Promise<SnapshotRecord> {
    const rec = await this.find(id);
    if (rec === undefined) throw new NotFound(`snapshot '${id}' is not in the catalog`);
    return rec;
  }

  /** A job's restorable snapshots (none marked `expiring`), oldest first. */
  async list(jobId: string): Promise<SnapshotRecord[]> {
    const docs = await this.coll.find({ jobId, expiring: { $exists: false } }).sort({ ts: 1 }).toArray();
    return docs.map((d) => SnapshotRecord.parse(d));
  }

  /** Every snapshot record of a job, marked ones too (what groom and terminate delete), oldest first. */
  async listAll(jobId: string): Promise<SnapshotRecord[]> {
    const docs = await this.coll.find({ jobId }).sort({ ts: 1 }).toArray();
    return docs.map((d) => SnapshotRecord.parse(d));
  }

  /**
   * Marks the snapshots `by` is about to delete, before it reads the restore leases. Terminate's mark
   * replaces a groom's (which groom may lift when it finds a lease); a groom never replaces terminate's.
   */
  async markExpiring(ids: string[], by: 'groom' | 'terminate'): Promise<void> {
    if (ids.length === 0) return;
    const unmarked = by === 'groom' ? { expiring: { $exists: false } } : {};
    await this.coll.updateMany({ _id: { $in: ids }, ...unmarked }, { $set: { expiring: by } });
  }

  /** Sets or lifts `oplogCut` (src/groom/expire.ts). */
  async markOplogCut(ids: string[], cut: boolean): Promise<void> {
    if (ids.length === 0) return;
    await this.coll.updateMany({ _id: { $in: ids } }, cut ? { $set: { oplogCut: true } } : { $unset: { oplogCut: '' } });
  }

  /** Lifts `by`'s mark (a leased snapshot groom keeps after all, or one retention keeps again). */
  async unmarkExpiring(ids: string[], by: 'groom' | 'terminate'): Promise<void> {
    if (ids.length === 0) return;
    await this.coll.updateMany({ _id: { $in: ids }, expiring: by }, { $unset: { expiring: '' } });
  }

  /** Every snapshot recorded in one store. */
  async listInStore(store: string): Promise<SnapshotRecord[]> {
    const docs = await this.coll.find({ store }).sort({ jobId: 1, ts: 1 }).toArray();
    return docs.map((d) => SnapshotRecord.parse(d));
  }

  /** Per job, the sum of `of` over its snapshots (1: a count); one accumulator, as FerretDB 1.24 needs. */
  async sumByJob(of: 1 | '$newChunks' | '$newStoredBytes'): Promise<Array<{ _id: string; v: number }>> {
    return this.coll.aggregate<{ _id: string; v: number }>([{ $group: { _id: '$jobId', v: { $sum: of } } }]).toArray();
  }

  async delete(id: string): Promise<void> {
    await this.coll.deleteOne({ _id: id });
  }
}
