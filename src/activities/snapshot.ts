/**
 * Activities of the snapshot workflow: the writer lease, the pause and resume of the job's apply loop
 * (updates sent to the follow workflow with a Temporal client, since a workflow cannot send updates), the
 * read (chunks + staged manifest, while apply is paused) and the commit. Thin: each parses its input,
 * resolves stores, keys and connections from deps, and calls one domain function.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import {
  CheckSnapshotInput,
  CommitSnapshotInput,
  DiscardSnapshotInput,
  PauseApplyInput,
  ReadSnapshotInput,
  ResumeApplyInput,
  StoreLeaseInput,
  type HeadPosition,
  type ResumeApplyResult,
  type SnapshotResult,
  type StagedSnapshot,
} from '../contracts/snapshot.js';
import { loadKey } from '../codec/keys.js';
import type { SyncRecord } from '../catalog/syncs.js';
import { IllegalTransition, NotFound } from '../errors/domain-errors.js';
import { asActivity } from '../errors/to-failure.js';
import { acquireWriterLease, StoreLeases } from '../groom/store-leases.js';
import { tsFromString, tsToString } from '../lib/bson.js';
import { commitSnapshot, discardSnapshot } from '../snapshot/commit-snapshot.js';
import { readSnapshot } from '../snapshot/read-snapshot.js';
import { snapshotId } from '../snapshot/snapshot-keys.js';
import type { Deps } from './deps.js';
import type { follow } from '../workflows/follow.js';
import { workflowIds } from '../workflows/ids.js';
import { pauseApplyUpdate, resumeApplyUpdate } from '../workflows/messages.js';
import { cancellationSignal, heartbeat, resumeFrom } from './heartbeat.js';

type ReadBeat = { newChunks: number; newStoredBytes: number; ns?: string; docs?: number };

export function createSnapshotActivities(deps: Deps) {
  const leases = new StoreLeases(deps.catalog);
  return {
    /**
     * Resolves what the snapshot will use (store, head connection, key, the sync's plan) before anything
     * is leased or paused, so that a wrong id or an unset key fails at once and changes nothing.
     */
    async checkSnapshot(raw: CheckSnapshotInput): Promise<void> {
      return asActivity(async () => {
        const p = CheckSnapshotInput.parse(raw);
        deps.store(p.store);
        deps.connections.client(p.head);
        if (p.encryption !== undefined) loadKey(p.encryption);
        await syncPlan(deps, p.jobId, p.syncNumber);
      });
    },

    /** Registers the snapshot as a writer of its store; waits (heartbeating) while a sweep runs there. */
    async beginSnapshotWrite(raw: StoreLeaseInput): Promise<void> {
      return asActivity(async () => {
        const p = StoreLeaseInput.parse(raw);
        await acquireWriterLease(leases, { ...p, ttlMs: p.ttlSeconds * 1000, signal: cancellationSignal(), onWait: (s) => heartbeat({ waitingFor: s.owner }) });
      });
    },

    async endSnapshotWrite(raw: StoreLeaseInput): Promise<void> {
      return asActivity(async () => {
        const p = StoreLeaseInput.parse(raw);
        await leases.release(p.store, 'writer', p.owner);
      });
    },

    /** Pauses the job's apply at a slice boundary and says where the head is; without a follow, the sync's consistent point. */
    async pauseApply(raw: PauseApplyInput): Promise<HeadPosition> {
      return asActivity(async () => {
        const p = PauseApplyInput.parse(raw);
        const fromFollow = await withTemporal(deps, async (client) => {
          const handle = client.workflow.getHandle<typeof follow>(workflowIds.tail(p.jobId));
          const status = await followState(handle);
          if (status === 'RUNNING') {
            const reply = await beating(handle.executeUpdate(pauseApplyUpdate, { args: [{ by: p.by, maxSeconds: p.maxSeconds }] }));
            return { following: true, ts: reply.appliedThrough };
          }
          if (status === 'COMPLETED') return { following: false, ts: (await handle.result()).appliedThrough };
          if (status !== undefined) {
            throw new IllegalTransition(`cannot snapshot job '${p.jobId}': its follow workflow ended (${status.toLowerCase()}) without saying where the head is; start follow again, or resync`);
          }
          return undefined;
        });
        if (fromFollow !== undefined) return fromFollow;
        const sync = await syncPlan(deps, p.jobId, p.syncNumber);
        if (sync.consistentAt === undefined) {
          throw new IllegalTransition(`cannot snapshot job '${p.jobId}': initial sync ${p.syncNumber} is not complete (allowed once it is)`);
        }
        return { following: false, ts: tsToString(sync.consistentAt) };
      });
    },

    /** Resumes apply; `held` says whether the head stayed still since the pause. */
    async resumeApply(raw: ResumeApplyInput): Promise<ResumeApplyResult> {
      return asActivity(async () => {
        const p = ResumeApplyInput.parse(raw);
        return withTemporal(deps, async (client) => {
          const handle = client.workflow.getHandle<typeof follow>(workflowIds.tail(p.jobId));
          const status = await followState(handle);
          if (!p.following) return { held: status !== 'RUNNING' }; // a follow that began meanwhile moved the head
          if (status !== 'RUNNING') return { held: false };
          return handle.executeUpdate(resumeApplyUpdate, { args: [{ by: p.by }] });
        });
      });
    },

    /** Reads the paused head into chunks and stages the manifest; a retry starts over, skipping stored chunks. */
    async readSnapshot(raw: ReadSnapshotInput): Promise<StagedSnapshot> {
      return asActivity(async () => {
        const p = ReadSnapshotInput.parse(raw);
        const beat = resumeFrom<ReadBeat>();
        const ttlMs = 30 * 60_000;
        const keepAlive = setInterval(() => void leases.renew(p.store, 'writer', p.owner, ttlMs).catch(() => undefined), 60_000);
        try {
          const out = await readSnapshot({
            head: deps.connections.client(p.head),
            store: deps.store(p.store),
            plan: await syncPlan(deps, p.jobId, p.syncNumber),
            ts: tsFromString(p.ts),
            codec: { compression: p.compression, key: p.encryption === undefined ? undefined : loadKey(p.encryption) },
            chunker: p.chunker,
            uploadConcurrency: p.uploadConcurrency,
            stored: beat === undefined ? undefined : { newChunks: beat.newChunks, newStoredBytes: beat.newStoredBytes },
            signal: cancellationSignal(),
            onProgress: (s) => heartbeat({ newChunks: s.newChunks, newStoredBytes: s.newStoredBytes, ns: s.ns, docs: s.docs } satisfies ReadBeat),
            logger: deps.logger,
          });
          return { ts: p.ts, stagedKey: out.key, totals: out.manifest.totals, alreadyTaken: out.alreadyTaken };
        } finally {
          clearInterval(keepAlive);
        }
      });
    },

    /** Makes the staged snapshot the snapshot: manifest, then catalog record. */
    async commitSnapshot(raw: CommitSnapshotInput): Promise<SnapshotResult> {
      return asActivity(async () => {
        const p = CommitSnapshotInput.parse(raw);
        const ts = tsFromString(p.ts);
        await deps.catalog.snapshots.ensureIndexes();
        const leaseHeld = await leases.renew(p.store, 'writer', p.owner, p.ttlSeconds * 1000);
        const { manifest, record } = await commitSnapshot({ store: deps.store(p.store), storeId: p.store, catalog: deps.catalog, jobId: p.jobId, ts, leaseHeld });
        deps.logger.info({ snapshot: record._id, ...manifest.totals }, 'snapshot committed');
        return {
          snapshotId: snapshotId(p.jobId, ts),
          jobId: p.jobId,
          syncNumber: manifest.syncNumber,
          ts: manifest.ts,
          store: p.store,
          manifestKey: record.manifestKey,
          totals: manifest.totals,
          alreadyTaken: false,
        };
      });
    },

    async discardSnapshot(raw: DiscardSnapshotInput): Promise<void> {
      return asActivity(async () => {
        const p = DiscardSnapshotInput.parse(raw);
        await discardSnapshot(deps.store(p.store), p.jobId, tsFromString(p.ts));
      });
    },
  };
}

/** The sync's plan; a job never synced is refused at once, not retried. */
async function syncPlan(deps: Deps, jobId: string, syncNumber: number): Promise<SyncRecord> {
  const sync = await deps.catalog.syncs.find(jobId, syncNumber);
  if (sync === undefined) throw new NotFound(`cannot snapshot job '${jobId}': it has no initial sync ${syncNumber} in the catalog`);
  return sync;
}

/** A short-lived client for one call: pause and resume are rare, and nothing is left open for shutdown. */
async function withTemporal<T>(deps: Deps, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: deps.config.temporal.address, connectTimeout: 5000 });
  try {
    return await fn(new Client({ connection, namespace: deps.config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}

/** The status name of the job's follow workflow (latest run), or undefined if there never was one. */
async function followState(handle: ReturnType<Client['workflow']['getHandle']>): Promise<string | undefined> {
  try {
    return (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Heartbeats while waiting on `work` (the follow finishes its current apply before it pauses). */
async function beating<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat({ waiting: 'pauseApply' }), 5000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
