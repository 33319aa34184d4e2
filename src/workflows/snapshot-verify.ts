/**
 * `job/<jobId>/snapshot-verify/<requestId>`: `headwater snapshot verify`, run by a worker, which alone
 * holds the stores and the keys: one long, heartbeating activity re-reads every chunk. Damage is the
 * report's (ok: false); a snapshot the catalog lacks or a wrong key fails the workflow with its type.
 */
import { VerifySnapshotInput } from '../contracts/catalog.js';
import type { VerifyReport } from '../snapshot/verify-snapshot.js';
import { long } from './activity-options.js';

export async function snapshotVerify(input: VerifySnapshotInput): Promise<VerifyReport> {
  return long.verifySnapshot(VerifySnapshotInput.parse(input));
}
