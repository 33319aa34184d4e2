/**
 * Catalog records of slices (modelled on PBM's pbmPITRChunks): one per stored slice, keyed by its store
 * key, indexed on (job, stream, first ts) so the coverage check is one ordered scan. Oplog slices carry
 * `prevTs`, the timestamp of the entry just before their first: the link that proves there is no hole.
 *
 * Each initial sync has its own chain of oplog slices (`syncNumber`), captured from its T0 by its sync
 * and then its follow, so a resync capturing beside an older sync's follow never interleaves with it.
 * Records written before chains were per sync have no `syncNumber`: they are read as part of every
 * chain of their job, bounded by each reader's start as before (no migration needed, nothing rewritten).
 *
 * A chain has one writer at a time. Temporal can time out a capture attempt whose process still runs (a
 * lost heartbeat) and start a retry beside it: both would extend the chain from one position, and their
 * slices would overlap. So an oplog slice is recorded only after it claims its position in the chain: a
 * link document keyed by (chain, prevTs), created once. The loser of a race gets SliceChainMoved and its
 * attempt ends; a retry starts again from the chain's end. The link holds the whole record, so a claim
 * whose writer died before recording is completed by whoever finds it (its object was stored first).
 */
import type { Collection, Filter } from 'mongodb';
import { Timestamp } from 'mongodb';
import { z } from 'zod';
import { SliceChainMoved } from '../errors/domain-errors.js';
import { tsToKey } from '../lib/bson.js';
import { isDuplicateKey } from '../store/mongo-errors.js';

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

/** A claimed position in a chain: the slice that extends it from `prevTs` (see the header). */
export interface SliceLink {
  _id: string;
  slice: SliceRecord;
}

function linkId(slice: Pick<SliceRecord, 'jobId' | 'syncNumber' | 'prevTs'>): string {
  const chain = slice.syncNumber === undefined ? 'job' : `sync-${slice.syncNumber}`;
  return `${slice.jobId}/${chain}/${slice.prevTs === undefined ? 'none' : tsToKey(slice.prevTs)}`;
}

export class SliceCatalog {
  constructor(
    private readonly coll: Collection<SliceRecord>,
    private readonly links: Collection<SliceLink>,
  ) {}

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

  /**
   * Records an oplog slice as the one that extends its chain from its prevTs. Recording the same slice
   * again (a retried activity) is fine.
   * @throws SliceChainMoved when another slice already extends the chain from there (that slice's record
   *   is completed first if its writer died between claim and record)
   */
  async recordInChain(slice: SliceRecord): Promise<void> {
    const rec = SliceRecord.parse(slice);
    if (rec.stream !== 'oplog' || rec.prevTs === undefined) throw new Error(`not an oplog slice: ${rec._id}`);
    const _id = linkId(rec);
    try {
      await this.links.insertOne({ _id, slice: rec });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const held = await this.links.findOne({ _id });
      if (held === null) throw err; // groomed between the insert and the read: nothing to extend
      const winner = SliceRecord.parse(held.slice);
      if (winner._id !== rec._id) {
        await this.record(winner);
        throw new SliceChainMoved(
          `slice ${rec._id} does not extend its chain: ${winner._id} already follows ${tsToKey(rec.prevTs)} (another capture attempt of this chain ran beside this one)`,
          { details: { slice: rec._id, winner: winner._id } },
        );
      }
    }
    await this.record(rec);
  }

  async has(id: string): Promise<boolean> {
    return (await this.coll.countDocuments({ _id: id }, { limit: 1 })) > 0;
  }

  /** The last timestamp the chain holds (its end), or undefined when it has no slice yet. */
  async chainEnd(chain: OplogChain): Promise<Timestamp | undefined> {
    const [last] = await this.coll.find(chainFilter(chain)).sort({ prevTs: -1, createdAt: -1 }).limit(1).toArray();
    return last === undefined ? undefined : SliceRecord.parse(last).lastTs;
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

  /** Removes a slice's record and its chain link (its object is deleted first by the caller); a missing record is fine. */
  async delete(id: string): Promise<void> {
    const rec = await this.coll.findOne({ _id: id });
    if (rec?.stream === 'oplog') await this.links.deleteOne({ _id: linkId(rec), 'slice._id': id });
    await this.coll.deleteOne({ _id: id });
  }

  /** Every oplog slice of a job (a job id), or of one chain, in capture order (groom, deep check). */
  async oplog(chain: OplogChain): Promise<SliceRecord[]> {
    const docs = await this.coll.find(chainFilter(chain)).sort({ prevTs: 1, createdAt: 1 }).toArray();
    return docs.map((d) => SliceRecord.parse(d));
  }

  /** Key and store of every slice of a job, any stream (terminate deletes them). */
  async keysOfJob(jobId: string): Promise<Array<{ _id: string; store: string }>> {
    return this.coll.find({ jobId }, { projection: { _id: 1, store: 1 } }).toArray();
  }

  /** Per job and stream, the sum of `of` over its slices (1: a count); one accumulator, as FerretDB 1.24 needs. */
  async sumByStream(of: 1 | '$storedBytes'): Promise<Array<{ _id: { jobId: string; stream: string }; v: number }>> {
    return this.coll.aggregate<{ _id: { jobId: string; stream: string }; v: number }>([{ $group: { _id: { jobId: '$jobId', stream: '$stream' }, v: { $sum: of } } }]).toArray();
  }

  /** The last entry of the job's newest oplog slice by first entry (the index's order), or undefined. */
  async newestOplogEnd(jobId: string): Promise<Timestamp | undefined> {
    const newest = await this.coll.findOne({ jobId, stream: 'oplog' }, { sort: { firstTs: -1 }, projection: { lastTs: 1 } });
    return newest?.lastTs ?? undefined;
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
