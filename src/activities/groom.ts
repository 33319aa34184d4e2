/**
 * Activities of the groom workflow: apply a job's retention policy (snapshots and oplog slices), and mark
 * and sweep one store's chunks under its sweeper lease. Thin adapters over src/groom.
 */
import { ExpireInput, RetentionPolicy, SweepInput, type ExpireResult, type SweepResult } from '../contracts/snapshot.js';
import { asActivity } from '../errors/to-failure.js';
import { expireSnapshots } from '../groom/expire.js';
import { StoreLeases } from '../groom/store-leases.js';
import { sweepStore } from '../groom/sweep.js';
import type { Deps } from './deps.js';
import { cancellationSignal, heartbeat } from './heartbeat.js';

export function createGroomActivities(deps: Deps) {
  const leases = new StoreLeases(deps.catalog);
  return {
    async expireSnapshots(raw: ExpireInput): Promise<ExpireResult> {
      return asActivity(async () => {
        const p = ExpireInput.parse(raw);
        if (p.store !== undefined) deps.store(p.store); // an unknown store is refused before anything expires
        return expireSnapshots({
          catalog: deps.catalog,
          jobId: p.jobId,
          policy: RetentionPolicy.parse(p.policy),
          now: Date.now(),
          storeOf: (id) => deps.store(id),
          logger: deps.logger,
          onProgress: heartbeat,
        });
      });
    },

    async sweepChunks(raw: SweepInput): Promise<SweepResult> {
      return asActivity(async () => {
        const p = SweepInput.parse(raw);
        return sweepStore({
          store: deps.store(p.store),
          storeId: p.store,
          leases,
          owner: p.owner,
          ttlMs: p.ttlSeconds * 1000,
          signal: cancellationSignal(),
          onProgress: heartbeat,
          logger: deps.logger,
        });
      });
    },
  };
}
