/**
 * Inputs of the short workflows the CLI runs to read the catalog and the stores in a worker (`status`,
 * `snapshot list|verify`, `catalog rebuild`, `restore export`): the CLI holds no catalog or store
 * connection, only Temporal. Pure and sandbox-safe (zod only); keys travel as references the worker resolves.
 */
import { z } from 'zod';
import { JobId } from './initial-sync.js';
import { KeyRef } from './snapshot.js';

/** A snapshot id as the CLI takes it: `<jobId>/<tsKey>` or `<jobId>/<seconds>.<increment>` (snapshot-keys.ts). */
const SnapshotRef = z.string().min(1);

export const StatusFiguresInput = z.object({ jobIds: z.array(JobId) });
export type StatusFiguresInput = z.infer<typeof StatusFiguresInput>;

export const ListSnapshotsInput = z.object({ jobId: z.string().min(1) });
export type ListSnapshotsInput = z.infer<typeof ListSnapshotsInput>;

export const VerifySnapshotInput = z.object({
  snapshot: SnapshotRef,
  /** Read the manifest from this store instead of the one the catalog names. */
  store: z.string().min(1).optional(),
  encryption: KeyRef.optional(),
});
export type VerifySnapshotInput = z.infer<typeof VerifySnapshotInput>;

export const RebuildCatalogInput = z.object({ store: z.string().min(1) });
export type RebuildCatalogInput = z.infer<typeof RebuildCatalogInput>;

export const ExportSnapshotInput = z.object({
  snapshot: SnapshotRef,
  /** A directory on the worker's host, absolute (the CLI resolves a relative one against its own cwd). */
  toDir: z.string().regex(/^(\/|[A-Za-z]:[\\/])/, 'the export directory must be an absolute path (it is written on the worker\'s host)'),
  encryption: KeyRef.optional(),
});
export type ExportSnapshotInput = z.infer<typeof ExportSnapshotInput>;
