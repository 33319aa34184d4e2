/**
 * The groom workflow (`job/<jobId>/groom`, run by its own Schedule): applies the job's retention policy to
 * its snapshots and oplog slices, then marks and sweeps the chunks of each store its snapshots use. A
 * sweep never runs beside a snapshot being written (store leases); it is then retried a few times, and
 * otherwise left to the next groom: unreferenced chunks only cost space, a wrong deletion costs data.
 */
import { sleep, workflowInfo } from '@temporalio/workflow';
import { GroomInput, type GroomParams, type GroomResult, type SweepResult } from '../contracts/snapshot.js';
import { long } from './activity-options.js';

export async function groom(input: GroomInput): Promise<GroomResult> {
  const p: GroomParams = GroomInput.parse(input);
  const owner = workflowInfo().workflowId;

  // Expire: delete the manifests and catalog records the policy does not keep, and old oplog slices.
  const expire = await long.expireSnapshots({ jobId: p.jobId, policy: p.policy, store: p.store });

  // Sweep: in each store, delete the chunks no manifest refers to.
  const sweeps: Record<string, SweepResult> = {};
  for (const store of [...new Set([p.store, ...expire.stores])].sort()) {
    let result = await long.sweepChunks({ store, owner });
    for (let attempt = 1; result.status === 'skipped' && attempt <= p.sweepAttempts; attempt += 1) {
      await sleep(p.sweepRetryMs);
      result = await long.sweepChunks({ store, owner });
    }
    sweeps[store] = result;
  }
  return { expire, sweeps };
}
