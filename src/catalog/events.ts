/**
 * The job event log: what happened to a job and why, in order (commands, transitions, a rollover and its
 * missing range, an automatic resync, a snapshot skipped because the job was not Active). Append-only;
 * an event carries ids, timestamps and counts, never documents or secrets.
 */
import type { Collection } from 'mongodb';
import { ObjectId } from 'mongodb';
import { z } from 'zod';
import { JobEventKind } from '../contracts/job.js';


export const JobEventRecord = z.object({
  _id: z.instanceof(ObjectId),
  jobId: z.string(),
  at: z.date(),
  kind: JobEventKind,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type JobEventRecord = z.infer<typeof JobEventRecord>;
export type JobEventInput = Omit<JobEventRecord, '_id' | 'at'>;

export class EventCatalog {
  constructor(private readonly coll: Collection<JobEventRecord>) {}

  async append(e: JobEventInput, at = new Date()): Promise<void> {
    const rec = JobEventRecord.parse({ ...e, _id: new ObjectId(), at });
    await this.coll.insertOne(rec, { ignoreUndefined: true });
  }

  /** A job's events, oldest first (optionally only one kind). */
  async list(jobId: string, kind?: JobEventRecord['kind']): Promise<JobEventRecord[]> {
    const docs = await this.coll
      .find(kind === undefined ? { jobId } : { jobId, kind })
      .sort({ at: 1, _id: 1 })
      .toArray();
    return docs.map((d) => JobEventRecord.parse(d));
  }
}
