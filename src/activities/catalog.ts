/**
 * Activities behind the CLI's reads and repairs of the catalog and the stores (`status`, `snapshot list`,
 * `snapshot verify`, `catalog rebuild`, `restore export`): the CLI holds only a Temporal client, the
 * worker the catalog, the stores and the keys. Thin: parse, resolve from deps, call one domain function;
 * the long ones heartbeat (their progress, or every few seconds while one call runs).
 */
import type { SnapshotRecord } from '../catalog/snapshots.js';
import { ExportSnapshotInput, ListSnapshotsInput, RebuildCatalogInput, StatusFiguresInput, VerifySnapshotInput } from '../contracts/catalog.js';
import { asActivity } from '../errors/to-failure.js';
import { statusFigures, type JobFigures } from '../job/status-figures.js';
import { tsToString } from '../lib/bson.js';
import { exportSnapshotById, type ExportedCollection } from '../restore/export-dump.js';
import { rebuildSnapshotCatalog, type RebuildReport } from '../snapshot/rebuild-catalog.js';
import { verifySnapshotById, type VerifyReport } from '../snapshot/verify-snapshot.js';
import type { Deps } from './deps.js';
import { cancellationSignal, heartbeat, keepAlive } from './heartbeat.js';
import { keyringOf } from './restore-support.js';

/** A catalog record as `snapshot list` prints it: the timestamp as `<seconds>.<increment>`. */
export type SnapshotListing = Omit<SnapshotRecord, 'ts' | 'createdAt'> & { ts: string; createdAt: string };

export function createCatalogActivities(deps: Deps) {
  return {
    /** `status`: each job's window and store usage, each part's error named instead of thrown. */
    async statusFigures(raw: StatusFiguresInput): Promise<JobFigures[]> {
      return asActivity(async () => statusFigures(deps.catalog, StatusFiguresInput.parse(raw).jobIds));
    },

    /** `snapshot list`: the job's snapshot records, oldest first. */
    async listSnapshots(raw: ListSnapshotsInput): Promise<SnapshotListing[]> {
      return asActivity(async () => {
        const list = await deps.catalog.snapshots.list(ListSnapshotsInput.parse(raw).jobId);
        return list.map((r) => ({ ...r, ts: tsToString(r.ts), createdAt: r.createdAt.toISOString() }));
      });
    },

    /** `snapshot verify`: re-reads every chunk of the snapshot; damage is in the report, not thrown. */
    async verifySnapshot(raw: VerifySnapshotInput): Promise<VerifyReport> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = VerifySnapshotInput.parse(raw);
          return verifySnapshotById({ catalog: deps.catalog, storeOf: (id) => deps.store(id), ref: p.snapshot, storeId: p.store, keyring: keyringOf(p.encryption), signal: cancellationSignal(), onProgress: heartbeat });
        }),
      );
    },

    /** `catalog rebuild`: the store's manifests recorded again; unreadable ones reported. */
    async rebuildCatalog(raw: RebuildCatalogInput): Promise<RebuildReport> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = RebuildCatalogInput.parse(raw);
          return rebuildSnapshotCatalog({ store: deps.store(p.store), storeId: p.store, catalog: deps.catalog });
        }),
      );
    },

    /** `restore export`: the snapshot in mongodump's layout, in a directory on this worker's host. */
    async exportSnapshot(raw: ExportSnapshotInput): Promise<ExportedCollection[]> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = ExportSnapshotInput.parse(raw);
          return exportSnapshotById({ catalog: deps.catalog, storeOf: (id) => deps.store(id), ref: p.snapshot, dir: p.toDir, keyring: keyringOf(p.encryption), signal: cancellationSignal(), onProgress: heartbeat });
        }),
      );
    },
  };
}
