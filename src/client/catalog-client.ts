/**
 * The client's reads and repairs of the catalog and the stores: `status`'s window and store usage,
 * `snapshot list`, `snapshot verify`, `catalog rebuild`, `restore export`. Each is a short workflow a worker
 * runs (it alone holds the catalog, the stores and the keys); the client starts it, waits, and returns its
 * result. A failure reaches the caller as the domain error it carries (NotFound, WrongKey, InvalidConfig:
 * its own type and message), so the CLI prints it and exits with the documented code.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import type { SnapshotListing } from '../activities/catalog.js';
import { ExportSnapshotInput, ListSnapshotsInput, RebuildCatalogInput, VerifySnapshotInput } from '../contracts/catalog.js';
import { HeadwaterError, IllegalTransition } from '../errors/domain-errors.js';
import { failureIn, parse } from './client-input.js';
import { FailureTypes, type FailureType } from '../errors/failure-types.js';
import type { JobFigures } from '../job/status-figures.js';
import type { ExportedCollection } from '../restore/export-dump.js';
import type { RebuildReport } from '../snapshot/rebuild-catalog.js';
import { parseSnapshotRef } from '../snapshot/snapshot-keys.js';
import type { VerifyReport } from '../snapshot/verify-snapshot.js';
import { catalogRebuild } from '../workflows/catalog-rebuild.js';
import { workflowIds } from '../workflows/ids.js';
import { snapshotExport } from '../workflows/snapshot-export.js';
import { snapshotList } from '../workflows/snapshot-list.js';
import { snapshotVerify } from '../workflows/snapshot-verify.js';
import { statusFigures } from '../workflows/status-figures.js';

export type { SnapshotListing };

export class CatalogClient {
  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  /** Each job's point-in-time window and store usage; a part the catalog could not give is named in `errors`. */
  async statusFigures(jobIds: string[]): Promise<JobFigures[]> {
    if (jobIds.length === 0) return [];
    return this.run(() =>
      this.temporal.workflow.execute(statusFigures, {
        taskQueue: this.taskQueue,
        workflowId: workflowIds.statusFigures(requestId()),
        args: [{ jobIds }],
        // A refresh nobody waits for any more must not linger.
        workflowExecutionTimeout: '2m',
      }),
    );
  }

  /** The job's snapshots, oldest first, as the catalog records them. */
  async listSnapshots(jobId: string): Promise<SnapshotListing[]> {
    const p = parse(ListSnapshotsInput, { jobId }, 'snapshot list');
    return this.run(() =>
      this.temporal.workflow.execute(snapshotList, { taskQueue: this.taskQueue, workflowId: workflowIds.snapshotList(p.jobId, requestId()), args: [p], workflowExecutionTimeout: '5m' }),
    );
  }

  /**
   * Starts re-reading every chunk of a snapshot; `result` is its report (ok: false names each bad chunk),
   * `workflowId` lets a caller follow the verify's progress (verifyProgress).
   */
  async startVerify(input: VerifySnapshotInput): Promise<{ workflowId: string; result: Promise<VerifyReport> }> {
    const p = parse(VerifySnapshotInput, input, 'snapshot verify');
    const { jobId } = parseSnapshotRef(p.snapshot);
    const workflowId = workflowIds.snapshotVerify(jobId, requestId());
    const handle = await this.run(() => this.temporal.workflow.start(snapshotVerify, { taskQueue: this.taskQueue, workflowId, args: [p] }));
    return { workflowId, result: this.run(() => handle.result()) };
  }

  /** The last progress a running verify's activity heartbeated, if any. */
  async verifyProgress(workflowId: string): Promise<{ collections: number; chunksRead: number; total: number } | undefined> {
    const d = await this.temporal.workflow.getHandle(workflowId).describe();
    const details = d.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
    if (details === undefined || details === null) return undefined;
    return this.temporal.options.loadedDataConverter.payloadConverter.fromPayload(details);
  }

  async verifySnapshot(input: VerifySnapshotInput): Promise<VerifyReport> {
    return (await this.startVerify(input)).result;
  }

  /** Records the store's manifests in the catalog again; one rebuild per store at a time. */
  async rebuildCatalog(storeId: string): Promise<RebuildReport> {
    const p = parse(RebuildCatalogInput, { store: storeId }, 'catalog rebuild');
    const workflowId = workflowIds.catalogRebuild(p.store);
    try {
      return await this.run(() => this.temporal.workflow.execute(catalogRebuild, { taskQueue: this.taskQueue, workflowId, args: [p] }));
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new IllegalTransition(`a rebuild of store '${p.store}' is under way (workflow '${workflowId}'): wait for it`, { cause: err });
      throw err;
    }
  }

  /** Writes the snapshot in mongodump's layout into `toDir`, an absolute path on the worker's host. */
  async exportSnapshot(input: ExportSnapshotInput): Promise<ExportedCollection[]> {
    const p = parse(ExportSnapshotInput, input, 'restore export');
    const { jobId } = parseSnapshotRef(p.snapshot);
    return this.run(() => this.temporal.workflow.execute(snapshotExport, { taskQueue: this.taskQueue, workflowId: workflowIds.snapshotExport(jobId, requestId()), args: [p] }));
  }

  /** Runs a call, turning a failed workflow into the domain error it carries. */
  private async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw typedFailure(err);
    }
  }
}

function requestId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A failed workflow as the typed failure inside it (a workflow's failure wraps its activity's). */
function typedFailure(err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  const f = failureIn(err, (c) => typeof c.type === 'string' && c.type in FailureTypes);
  return f === undefined ? err : new HeadwaterError(f.type as FailureType, f.message, { cause: err });
}
