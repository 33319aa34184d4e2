/**
 * What groom needs to know of each initial sync of a job to judge its chain of oplog slices: its number,
 * its T0 and whether it became consistent (src/groom/slice-floors.ts). Read from the syncs collection with
 * a projection, since a whole sync record carries every collection's plan.
 */
import type { Collection, Document } from 'mongodb';
import { Timestamp } from 'mongodb';
import { z } from 'zod';

export const SyncChain = z.object({
  syncNumber: z.number().int(),
  t0: z.instanceof(Timestamp),
  consistentAt: z.instanceof(Timestamp).optional(),
});
export type SyncChain = z.infer<typeof SyncChain>;

/** Every initial sync of the job, in number order. */
export async function syncChains(syncs: Collection<Document>, jobId: string): Promise<SyncChain[]> {
  const docs = await syncs
    .find({ jobId }, { projection: { _id: 0, syncNumber: 1, t0: 1, consistentAt: 1 } })
    .sort({ syncNumber: 1 })
    .toArray();
  return docs.map((d) => SyncChain.parse(d));
}
