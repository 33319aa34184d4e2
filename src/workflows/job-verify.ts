/**
 * `job/<jobId>/verify/<requestId>`: `headwater job check`, run by a worker, which alone holds the
 * catalog's and the stores' connections: the CLI needs nothing but Temporal. The chain's continuity is
 * one quick activity; `deep` re-reads every slice, manifest and snapshot chunk in a long, heartbeating one.
 */
import { JobVerifyInput } from '../contracts/job.js';
import type { JobVerifyResult } from '../job/verify-job.js';
import { long, quick } from './activity-options.js';

export async function jobVerify(input: JobVerifyInput): Promise<JobVerifyResult> {
  const p = JobVerifyInput.parse(input);
  const chain = await quick.jobCoverage(p);
  if (!p.deep) return chain;
  return { ...chain, objects: await long.jobObjects(p) };
}
