/**
 * Catalog records of restores: one per restore id, written when a restore is planned and closed when it
 * ends. A restore that failed (a verification mismatch, a missing chunk) stays recorded as failed with the
 * phase and the reason, so its target is never mistaken for a complete restore.
 */
import type { Collection } from 'mongodb';
import { z } from 'zod';

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
  state: z.enum(['running', 'complete', 'failed']),
  failure: z.object({ type: z.string(), message: z.string(), phase: z.string() }).optional(),
  startedAt: z.date(),
  endedAt: z.date().optional(),
});
export type RestoreRecord = z.infer<typeof RestoreRecord>;

export class RestoreCatalog {
  constructor(
    private readonly coll: Collection<RestoreRecord>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records a restore as running; a retried plan replaces the record of the same restore. */
  async begin(rec: Omit<RestoreRecord, 'state' | 'startedAt' | 'endedAt' | 'failure'>): Promise<void> {
    const { _id, ...rest } = RestoreRecord.parse({ ...rec, state: 'running', startedAt: this.now() });
    await this.coll.replaceOne({ _id }, rest, { upsert: true, ignoreUndefined: true });
  }

  /** Closes the record as complete or failed; a restore refused before it was recorded has none to close. */
  async end(restoreId: string, state: 'complete' | 'failed', failure?: RestoreRecord['failure']): Promise<void> {
    const set = { state, endedAt: this.now(), ...(failure === undefined ? {} : { failure }) };
    await this.coll.updateOne({ _id: restoreId }, { $set: set });
  }

  async find(restoreId: string): Promise<RestoreRecord | undefined> {
    const doc = await this.coll.findOne({ _id: restoreId });
    return doc === null ? undefined : RestoreRecord.parse(doc);
  }
}
