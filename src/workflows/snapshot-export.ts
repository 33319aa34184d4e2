/**
 * `job/<jobId>/export/<requestId>`: `headwater restore export`, run by a worker, which writes the dump
 * into a directory on its own host (absolute; the CLI resolves a relative one against its cwd).
 */
import { ExportSnapshotInput } from '../contracts/catalog.js';
import type { ExportedCollection } from '../restore/export-dump.js';
import { long } from './activity-options.js';

export async function snapshotExport(input: ExportSnapshotInput): Promise<ExportedCollection[]> {
  return long.exportSnapshot(ExportSnapshotInput.parse(input));
}
