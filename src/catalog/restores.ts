/**
 * Catalog records of restores: one per restore id, written when a restore is planned and closed when it
 * ends. A restore that failed (a verification mismatch, a missing chunk) stays recorded as failed with the
 * phase and the reason, so its target is never mistaken for a complete restore. A point-in-time restore's
 * record also carries where its oplog replay has got to, so that a retried replay goes on from there, and
 * which attempt of the replay holds it: an attempt claims it before it applies anything and saves only while
 * it still holds it, so a stale attempt (one Temporal gave up on while its process ran on) can never move
 * the saved position past writes a later attempt has yet to repeat.
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
  /** The attempt of that activity that saved it. */
  attempt: z.number().int().min(1),
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

/** The attempt of an activity run that holds a restore's replay: only it may save the replay's progress. */
export const ReplayClaim = z.object({ owner: z.string(), attempt: z.number().int().min(1) });
export type ReplayClaim = z.infer<typeof ReplayClaim>;

/** What claiming the replay found: the progress to go on from, or the later attempt that holds it. */
export type ReplayClaimResult =
  | { claimed: true; checkpoint?: ReplayCheckpoint }
  | { claimed: false; holder?: ReplayClaim };

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
  /** The attempt that holds the replay (the fence on `replay`), once one has begun. */
  replayClaim: ReplayClaim.optional(),
});
export type RestoreRecord = z.infer<typeof RestoreRecord>;

export class RestoreCatalog {
  constructor(
    private readonly coll: Collection<RestoreRecord>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records a restore as running; a retried plan replaces the record of the same restore. */
  async begin(rec: Omit<RestoreRecord, 'state' | 'startedAt' | 'endedAt' | 'failure' | 'replay' | 'replayClaim'>): Promise<void> {
    const { _id, ...rest } = RestoreRecord.parse({ ...rec, state: 'running', startedAt: this.now() });
    await this.coll.replaceOne({ _id }, rest, { upsert: true, ignoreUndefined: true });
  }

  /** Closes the record as complete or failed; a restore refused before it was recorded has none to close. */
  async end(restoreId: string, state: 'complete' | 'failed', failure?: RestoreRecord['failure']): Promise<void> {
    const set = { state, endedAt: this.now(), ...(failure === undefined ? {} : { failure }) };
    await this.coll.updateOne({ _id: restoreId }, { $set: set });
  }

  /**
   * Claims a running restore's replay for `attempt` of activity `owner`, atomically: a later attempt of the
   * same activity takes it over with the progress saved so far; another activity (or the first) takes it
   * fresh, without the progress of another. Refused (`claimed: false`, with the holder) when an attempt of
   * the same activity numbered `attempt` or later holds it: this one is stale; also (no holder) when the
   * record is closed or missing.
   */
  async claimReplay(restoreId: string, owner: string, attempt: number): Promise<ReplayClaimResult> {
    const running = { _id: restoreId, state: 'running' as const };
    const later = await this.coll.findOneAndUpdate(
      { ...running, 'replayClaim.owner': owner, 'replayClaim.attempt': { $lt: attempt } },
      { $set: { 'replayClaim.attempt': attempt } },
      { returnDocument: 'after' },
    );
    const doc = later ?? (await this.coll.findOneAndUpdate(
      { ...running, $or: [{ replayClaim: { $exists: false } }, { 'replayClaim.owner': { $ne: owner } }] },
      { $set: { replayClaim: { owner, attempt } }, $unset: { replay: '' } },
      { returnDocument: 'after' },
    ));
    if (doc !== null) {
      const saved = RestoreRecord.parse(doc).replay;
      return { claimed: true, ...(saved?.owner === owner ? { checkpoint: saved } : {}) };
    }
    const rec = await this.find(restoreId);
    return { claimed: false, ...(rec?.state === 'running' && rec.replayClaim !== undefined ? { holder: rec.replayClaim } : {}) };
  }

  /**
   * Saves the replay's position of a running restore (replacing the last one), only while the attempt that
   * saves it still holds the replay. False when it was refused: a later attempt claimed the replay (or the
   * record is closed, which it leaves as it is).
   */
  async saveReplay(restoreId: string, checkpoint: ReplayCheckpoint): Promise<boolean> {
    const c = ReplayCheckpoint.parse(checkpoint);
    const res = await this.coll.updateOne({ _id: restoreId, state: 'running', 'replayClaim.owner': c.owner, 'replayClaim.attempt': c.attempt }, { $set: { replay: c } });
    return res.matchedCount === 1;
  }

  async find(restoreId: string): Promise<RestoreRecord | undefined> {
    const doc = await this.coll.findOne({ _id: restoreId });
    return doc === null ? undefined : RestoreRecord.parse(doc);
  }
}
