/**
 * Catalog records of snapshots: one per committed manifest, written only after the manifest is in the
 * store, so a listed snapshot is always complete. The record is an index over the manifest (which stays
 * the truth): `headwater catalog rebuild` recreates every record from the manifests alone.
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

  /** A job's snapshots, oldest first. */
  async list(jobId: string): Promise<SnapshotRecord[]> {
    const docs = await this.coll.find({ jobId }).sort({ ts: 1 }).toArray();
    return docs.map((d) => SnapshotRecord.parse(d));
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
