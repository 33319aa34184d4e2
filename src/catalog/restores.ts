/**
 * Catalog records of restores: one per restore id, written when a restore is planned and closed when it
 * ends. A restore that failed (a verification mismatch, a missing chunk) stays recorded as failed with the
 * phase and the reason, so its target is never mistaken for a complete restore. A point-in-time restore's
 * record also carries where its oplog replay has got to, so that a retried replay goes on from there.
 */
import { Binary, Timestamp, type Collection } from 'mongodb';
import { z } from 'zod';

/**
 * Where a replay has got to, saved after each bounded batch of slices (src/restore/replay-progress.ts
 * writes and reads it): the slices of the chain applied in capture order, the last one's id, the running
 * maximum ts applied through, and the running totals, so the final count check covers every attempt.
 * `carry` holds the rest the replay continues with (applier state, index events, what the target refused)
 * as BSON bytes: types, field order and `$`-prefixed names (a `$v` update, a `$gt` filter) survive intact.
 */
export const ReplayCheckpoint = z.object({
  /** The activity run that saved it (workflow run and activity id): only its own retries go on from it. */
  owner: z.string(),
  slices: z.number().int().min(1),
  sliceId: z.string(),
  through: z.instanceof(Timestamp),
  entries: z.number().int(),
  leftOut: z.number().int(),
  overlapped: z.number().int(),
  last: z.object({ ts: z.instanceof(Timestamp), ns: z.string() }).optional(),
  carry: z.instanceof(Binary),
  savedAt: z.date(),
});
export type ReplayCheckpoint = z.infer<typeof ReplayCheckpoint>;

export const RestoreRecord = z.object({
  /** The restore id (its workflow is `restore/<_id>`). */
  _id: z.string(),
  jobId: z.string(),
  snapshotId: z.string(),
  /** The target's connection id and the target namespaces written (`db.coll`). */
  target: z.string(),
  namespaces: z.array(z.string()),
  /** The inclusive replay bound of a point-in-time restore ("seconds.increment"). */
  toTs: z.string().optional(),
  /**
   * Target collections a point-in-time restore's replay creates beyond the snapshot's (source `ns`,
   * target `db.coll`): preparing the target refuses or drops them as it does the snapshot's.
   */
  replayCreates: z.array(z.object({ ns: z.string(), target: z.object({ db: z.string(), coll: z.string() }) })).optional(),
  state: z.enum(['running', 'complete', 'failed']),
  failure: z.object({ type: z.string(), message: z.string(), phase: z.string() }).optional(),
  startedAt: z.date(),
  endedAt: z.date().optional(),
  /** A point-in-time restore's replay position, once it has applied a batch of slices. */
  replay: ReplayCheckpoint.optional(),
});
export type RestoreRecord = z.infer<typeof RestoreRecord>;

export class RestoreCatalog {
  constructor(
    private readonly coll: Collection<RestoreRecord>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records a restore as running; a retried plan replaces the record of the same restore. */
  async begin(rec: Omit<RestoreRecord, 'state' | 'startedAt' | 'endedAt' | 'failure' | 'replay'>): Promise<void> {
    const { _id, ...rest } = RestoreRecord.parse({ ...rec, state: 'running', startedAt: this.now() });
    await this.coll.replaceOne({ _id }, rest, { upsert: true, ignoreUndefined: true });
  }

  /** Closes the record as complete or failed; a restore refused before it was recorded has none to close. */
  async end(restoreId: string, state: 'complete' | 'failed', failure?: RestoreRecord['failure']): Promise<void> {
    const set = { state, endedAt: this.now(), ...(failure === undefined ? {} : { failure }) };
    await this.coll.updateOne({ _id: restoreId }, { $set: set });
  }

  /** Saves the replay's position of a running restore (replacing the last one); a closed record is left as it is. */
  async saveReplay(restoreId: string, checkpoint: ReplayCheckpoint): Promise<void> {
    await this.coll.updateOne({ _id: restoreId, state: 'running' }, { $set: { replay: ReplayCheckpoint.parse(checkpoint) } });
  }

  async find(restoreId: string): Promise<RestoreRecord | undefined> {
    const doc = await this.coll.findOne({ _id: restoreId });
    return doc === null ? undefined : RestoreRecord.parse(doc);
  }
}
