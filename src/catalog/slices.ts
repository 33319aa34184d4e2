/**
 * Catalog records of slices (modelled on PBM's pbmPITRChunks): one per stored slice, keyed by its store
 * key, indexed on (job, stream, first ts) so the coverage check is one ordered scan. Oplog slices carry
 * `prevTs`, the timestamp of the entry just before their first: the link that proves there is no hole.
 *
 * Each initial sync has its own chain of oplog slices (`syncNumber`), captured from its T0 by its sync
 * and then its follow, so a resync capturing beside an older sync's follow never interleaves with it.
 * Records written before chains were per sync have no `syncNumber`: they are read as part of every
 * chain of their job, bounded by each reader's start as before (no migration needed, nothing rewritten).
 */
import type { Collection, Filter } from 'mongodb';
import { Timestamp } from 'mongodb';
import { z } from 'zod';

export const SliceRecord = z.object({
  _id: z.string(),
  jobId: z.string(),
  /** 'oplog', or 'sync-<n>' for the collection slices of initial sync n. */
  stream: z.string(),
  /** The sync whose chain an oplog slice belongs to (absent: the job-wide chain of older versions). */
  syncNumber: z.number().int().min(1).optional(),
  ns: z.string().optional(),
  rangeIndex: z.number().int().optional(),
  seq: z.number().int(),
  count: z.number().int(),
  bytes: z.number().int(),
  storedBytes: z.number().int(),
  sha256: z.string(),
  store: z.string(),
  firstTs: z.instanceof(Timestamp).optional(),
  lastTs: z.instanceof(Timestamp).optional(),
  prevTs: z.instanceof(Timestamp).optional(),
  builtAt: z.date().optional(),
  createdAt: z.date(),
});
export type SliceRecord = z.infer<typeof SliceRecord>;

/** One chain of oplog slices: a sync's, or (no syncNumber) every oplog slice of the job. */
export type OplogChain = string | { jobId: string; syncNumber?: number };

function chainFilter(chain: OplogChain): Filter<SliceRecord> {
  const c = typeof chain === 'string' ? { jobId: chain } : chain;
  if (c.syncNumber === undefined) return { jobId: c.jobId, stream: 'oplog' };
  return { jobId: c.jobId, stream: 'oplog', $or: [{ syncNumber: c.syncNumber }, { syncNumber: { $exists: false } }] };
}

export class SliceCatalog {
  constructor(private readonly coll: Collection<SliceRecord>) {}

  async ensureIndexes(): Promise<void> {
    await this.coll.createIndex({ jobId: 1, stream: 1, firstTs: 1 });
    await this.coll.createIndex({ jobId: 1, stream: 1, prevTs: 1 });
    await this.coll.createIndex({ jobId: 1, stream: 1, syncNumber: 1, prevTs: 1 });
    await this.coll.createIndex({ jobId: 1, stream: 1, builtAt: 1 });
  }

  /** Records a stored slice; recording the same key again (a retried activity) replaces the record. */
  async record(slice: SliceRecord): Promise<void> {
    const { _id, ...rest } = SliceRecord.parse(slice);
    await this.coll.replaceOne({ _id }, rest, { upsert: true });
  }

  /** Collection slices of a sync not yet inserted into the head, oldest first. */
  async unbuilt(jobId: string, stream: string, limit: number): Promise<SliceRecord[]> {
    const docs = await this.coll
      .find({ jobId, stream, builtAt: { $exists: false } })
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => SliceRecord.parse(d));
  }

  async markBuilt(id: string): Promise<void> {
    await this.coll.updateOne({ _id: id }, { $set: { builtAt: new Date() } });
  }

  /**
   * The chain of oplog slices captured after `afterTs`, in capture order: each slice's prevTs is the
   * running maximum timestamp before it, so sorting by (prevTs, createdAt) follows the chain.
   */
  async oplogAfter(chain: OplogChain, afterTs: Timestamp, limit = 0): Promise<SliceRecord[]> {
    const docs = await this.coll
      .find({ ...chainFilter(chain), prevTs: { $gte: afterTs } })
      .sort({ prevTs: 1, createdAt: 1 })
      .limit(Number.isFinite(limit) ? limit : 0)
      .toArray();
    return docs.map((d) => SliceRecord.parse(d));
  }

  /**
   * The chain of oplog slices that start in [afterTs, beforeTs): prevTs at or after `afterTs` and before
   * `beforeTs`, in capture order. A slice whose prevTs is at or after `beforeTs` holds only later entries
   * (on MongoDB, whose entries become visible in timestamp order), so it is never needed to reach it.
   */
  async oplogBetween(chain: OplogChain, afterTs: Timestamp, beforeTs: Timestamp, limit = 0): Promise<SliceRecord[]> {
    const docs = await this.coll
      .find({ ...chainFilter(chain), prevTs: { $gte: afterTs, $lt: beforeTs } })
      .sort({ prevTs: 1, createdAt: 1 })
      .limit(Number.isFinite(limit) ? limit : 0)
      .toArray();
    return docs.map((d) => SliceRecord.parse(d));
  }

  /** Removes a slice's record (its object is deleted first by the caller); a missing record is fine. */
  async delete(id: string): Promise<void> {
    await this.coll.deleteOne({ _id: id });
  }

  /** Every oplog slice of a job (a job id), or of one chain, in capture order (groom, deep check). */
  async oplog(chain: OplogChain): Promise<SliceRecord[]> {
    const docs = await this.coll.find(chainFilter(chain)).sort({ prevTs: 1, createdAt: 1 }).toArray();
    return docs.map((d) => SliceRecord.parse(d));
  }

  async countStream(jobId: string, stream: string): Promise<number> {
    return this.coll.countDocuments({ jobId, stream });
  }

  /** How many slices of a job the catalog records, and their stored (encoded) bytes: `headwater status`'s store usage. */
  async usage(jobId: string): Promise<{ slices: number; storedBytes: number }> {
    // One accumulator per $group: FerretDB v1.24 returns 0 for every $sum after the first in a $group.
    const [slices, [sum]] = await Promise.all([
      this.coll.countDocuments({ jobId }),
      this.coll.aggregate<{ storedBytes: number }>([{ $match: { jobId } }, { $group: { _id: null, storedBytes: { $sum: '$storedBytes' } } }]).toArray(),
    ]);
    return { slices, storedBytes: sum?.storedBytes ?? 0 };
  }
}
