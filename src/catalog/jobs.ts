/**
 * Catalog records of backup jobs: the definition (as the job workflow last saved it) and the state it is
 * in, written by the job workflow at every transition. Scheduled snapshots read the state here to skip
 * themselves while the job is not Active; the workflow stays the truth, this is its durable mirror.
 */
import type { Collection } from 'mongodb';
import { z } from 'zod';
import { JobDefinition, JobState } from '../contracts/job.js';
import { NotFound } from '../errors/domain-errors.js';

export const JobRecord = z.object({
  _id: z.string(),
  jobId: z.string(),
  definition: JobDefinition,
  state: JobState,
  syncNumber: z.number().int(),
  /** Set while the job waits for a resync (the oplog rolled over past its last captured entry). */
  condition: z.string().optional(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type JobRecord = z.infer<typeof JobRecord>;

export class JobCatalog {
  constructor(private readonly coll: Collection<JobRecord>) {}

  /** Saves a definition; a new job starts Inactive, an existing one keeps its state (idempotent). */
  async save(definition: JobDefinition, now = new Date()): Promise<void> {
    const def = JobDefinition.parse(definition);
    await this.coll.updateOne(
      { _id: def.jobId },
      {
        $set: { jobId: def.jobId, definition: def, updatedAt: now },
        $setOnInsert: { state: 'Inactive', syncNumber: 0, createdAt: now },
      },
      { upsert: true },
    );
  }

  /** Mirrors the workflow's state; `condition` undefined clears it. */
  async setState(jobId: string, s: { state: JobState; syncNumber: number; condition?: string }): Promise<void> {
    const r = await this.coll.updateOne(
      { _id: jobId },
      s.condition === undefined
        ? { $set: { state: s.state, syncNumber: s.syncNumber, updatedAt: new Date() }, $unset: { condition: '' } }
        : { $set: { state: s.state, syncNumber: s.syncNumber, condition: s.condition, updatedAt: new Date() } },
    );
    if (r.matchedCount === 0) throw new NotFound(`job '${jobId}' is not in the catalog`);
  }

  async find(jobId: string): Promise<JobRecord | undefined> {
    const doc = await this.coll.findOne({ _id: jobId });
    return doc === null ? undefined : JobRecord.parse(doc);
  }

  async get(jobId: string): Promise<JobRecord> {
    const rec = await this.find(jobId);
    if (rec === undefined) throw new NotFound(`job '${jobId}' is not in the catalog`);
    return rec;
  }

  async list(): Promise<JobRecord[]> {
    const docs = await this.coll.find({}).sort({ _id: 1 }).toArray();
    return docs.map((d) => JobRecord.parse(d));
  }
}
