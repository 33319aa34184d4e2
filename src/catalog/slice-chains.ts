/**
 * What groom needs to know of each initial sync of a job to judge its chain of oplog slices: its number,
 * its T0 and whether it became consistent (src/groom/slice-floors.ts). Read by SyncCatalog.chains with a
 * projection, since a whole sync record carries every collection's plan.
 */
import { Timestamp } from 'mongodb';
import { z } from 'zod';

export const SyncChain = z.object({
  syncNumber: z.number().int(),
  t0: z.instanceof(Timestamp),
  consistentAt: z.instanceof(Timestamp).optional(),
});
export type SyncChain = z.infer<typeof SyncChain>;
