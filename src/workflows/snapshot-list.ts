/** `job/<jobId>/snapshots/<requestId>`: `headwater snapshot list`, read from the catalog by a worker. */
import type { SnapshotListing } from '../activities/catalog.js';
import { ListSnapshotsInput } from '../contracts/catalog.js';
import { lookup } from './activity-options.js';

export async function snapshotList(input: ListSnapshotsInput): Promise<SnapshotListing[]> {
  return lookup.listSnapshots(ListSnapshotsInput.parse(input));
}
