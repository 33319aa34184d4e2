/**
 * Activities of the restore workflow: thin adapters over src/restore. Each parses its input, resolves the
 * target connection, the store and the key inside the worker (payloads carry ids only), calls the domain,
 * heartbeats its progress and returns references and counts. A collection's restore resumes from the
 * cursor its last heartbeat carried, so a killed worker costs at most one batch, never a duplicate; the
 * oplog replay resumes from the slices it saved as applied in the restore's catalog record.
 */
import { Context } from '@temporalio/activity';
import { MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import {
  BuildRestoreIndexesInput,
  DiscardRestoreTargetInput,
  FinishRestoreInput,
  PlanRestoreInput,
  PrepareTargetInput,
  ReplayRestoreInput,
  RestoreCollectionInput,
  VerifyRestoreInput,
  type BuildRestoreIndexesResult,
  type PrepareTargetResult,
  type ReplayRestoreResult,
  type RestoreCollectionResult,
  type RestorePlanRef,
  type VerifyRestoreResult,
} from '../contracts/restore.js';
import { HeadwaterError, RestoreVerifyFailed } from '../errors/domain-errors.js';
import { asActivity } from '../errors/to-failure.js';
import { tsToString } from '../lib/bson.js';
import { buildIndexes } from '../restore/build-indexes.js';
import { IndexEvents } from '../restore/index-events.js';
import { NamespaceMap } from '../restore/namespace-map.js';
import { openSnapshot } from '../restore/open-snapshot.js';
import { planRestore } from '../restore/plan-restore.js';
import { prepareTarget } from '../restore/prepare-target.js';
import { replayToTime } from '../restore/replay-to-time.js';
import { discardCreated } from '../restore/run-restore.js';
import { holdRestore, keepRestore } from '../restore/restore-lease.js';
import { restoreCollection, RestoreCursor } from '../restore/restore-collection.js';
import { sliceKeyring } from '../restore/slice-keyring.js';
import { verifyCollection, type CollectionDigest } from '../restore/verify-collection.js';
import { fromManifestJson } from '../snapshot/manifest.js';
import { SliceStore } from '../slice/slice-store.js';
import type { Deps } from './deps.js';
import { cancellationSignal, heartbeat, keepAlive, resumeFrom } from './heartbeat.js';
import { indexPlanOf, keyringOf, manifestCollection, replayCheckpoints, toTargetCollections } from './restore-support.js';

/** A restore lease outlives any pause between two activities; finishRestore ends it. */
const LEASE_MS = 12 * 3_600_000;

export function createRestoreActivities(deps: Deps) {
  const target = (id: string) => deps.connections.client(id);
  const timed = async <T>(fn: () => Promise<T>): Promise<T & { ms: number }> => {
    const t0 = performance.now();
    const r = await fn();
    return { ...r, ms: Math.round(performance.now() - t0) };
  };
  return {
    /** Plans and checks everything that can be refused (snapshot, window, key, selection, chunks, target) before any write. */
    async planRestore(raw: PlanRestoreInput): Promise<RestorePlanRef> {
      // Heartbeats while it plans: a point-in-time plan reads every slice up to T, which on a long window
      // outlasts any fixed limit; the workflow runs it as a long activity with a heartbeat timeout.
      return asActivity(() => keepAlive(async () => {
        const p = PlanRestoreInput.parse(raw);
        await pingTarget(deps, p.target);
        const plan = await planRestore(deps.catalog, 'snapshotId' in p.from ? { snapshot: p.from.snapshotId } : p.from);
        // The lease before the snapshot and slices are read: a groom either sees it, or deleted the
        // snapshot first and holdRestore refuses (groom reads leases before deleting, src/groom/expire.ts).
        await holdRestore(deps.catalog, p.restoreId, plan, LEASE_MS);
        const snap = await openSnapshot({ catalog: deps.catalog, storeOf: deps.store, plan, keyring: keyringOf(p.encryption), selection: { include: p.namespaces, rename: p.renames } })
          .catch(async (err: unknown) => {
            await deps.catalog.restoreLeases.release(p.restoreId);
            throw err;
          });
        const collections = snap.collections.map(({ collection: c, target: t }) => ({ ns: c.ns, target: t, count: c.count, bytes: c.bytes }));
        const namespaces = collections.map((c) => `${c.target.db}.${c.target.coll}`);
        await deps.catalog.restores.begin({ _id: p.restoreId, jobId: plan.jobId, snapshotId: plan.snapshotId, target: p.target, namespaces, toTs: plan.toTs, replayCreates: snap.replayCreates });
        return { ...plan, scope: snap.scope, collections };
      }));
    },

    /** Refuses a non-empty target without drop (nothing written), then creates the collections with their options. */
    async prepareRestoreTarget(raw: PrepareTargetInput): Promise<PrepareTargetResult> {
      return asActivity(async () => {
        const p = PrepareTargetInput.parse(raw);
        const collections = await toTargetCollections(deps, p);
        // What the replay creates beyond the snapshot, as planning found it (src/restore/scan-replay.ts).
        const replayCreates = (await deps.catalog.restores.find(p.restoreId))?.replayCreates ?? [];
        return timed(async () => {
          const out = await prepareTarget(target(p.target), collections, { drop: p.drop, replayCreates, logger: deps.logger });
          return { created: out.created.length, createdNamespaces: out.created, dropped: out.dropped.length };
        });
      });
    },

    /** Inserts one collection's documents in unordered batches, from the cursor of the last heartbeat on. */
    async restoreCollection(raw: RestoreCollectionInput): Promise<RestoreCollectionResult> {
      return asActivity(async () => {
        const p = RestoreCollectionInput.parse(raw);
        // A retried attempt without a cursor (killed before its first heartbeat landed) may have written
        // some documents: it starts from zero, tolerating those as duplicates.
        const beat = RestoreCursor.safeParse(resumeFrom<unknown>());
        const resume = beat.success ? beat : RestoreCursor.safeParse(Context.current().info.attempt > 1 ? { docs: 0, bytes: 0 } : undefined);
        await keepRestore(deps.catalog, p.restoreId, LEASE_MS);
        const { manifest, collection } = await manifestCollection(deps, p, p.collection.ns);
        return timed(() =>
          keepAlive(async () => {
            const out = await restoreCollection({
              target: target(p.target), targetNs: p.collection.target, store: deps.store(p.store), manifest, collection,
              keyring: keyringOf(p.encryption), resume: resume.success ? resume.data : undefined,
              batchDocs: p.batchDocs, batchBytes: p.batchBytes, readAhead: p.fetchConcurrency,
              signal: cancellationSignal(), onProgress: (s) => heartbeat(s.cursor), logger: deps.logger,
            });
            return { ns: p.collection.ns, docs: out.cursor.docs, bytes: out.cursor.bytes, resumed: resume.success };
          }),
        );
      });
    },

    /** Count and content hash of one target collection against the manifest; a mismatch is a result, not a throw. */
    async verifyRestoredCollection(raw: VerifyRestoreInput): Promise<VerifyRestoreResult> {
      return asActivity(async () => {
        const p = VerifyRestoreInput.parse(raw);
        const { collection } = await manifestCollection(deps, p, p.collection.ns);
        const want = { count: collection.count, contentHash: collection.contentHash };
        const base = { ns: collection.ns, target: `${p.collection.target.db}.${p.collection.target.coll}`, expectedCount: want.count, expectedHash: want.contentHash };
        return timed(() =>
          keepAlive(async () => {
            let got: CollectionDigest;
            try {
              got = await verifyCollection(target(p.target), p.collection.target, collection, cancellationSignal());
            } catch (err) {
              if (!(err instanceof RestoreVerifyFailed)) throw err;
              got = (err.details as { got: CollectionDigest }).got;
            }
            return { collection: { ...base, count: got.count, hash: got.contentHash, ok: got.count === want.count && got.contentHash === want.contentHash } };
          }),
        );
      });
    },

    /**
     * Replays the job's oplog slices after the snapshot onto the target, up to T inclusive; names the last
     * op. Saves its progress in the restore's record after each batch of slices, and a retry goes on from it.
     */
    async replayRestoreOplog(raw: ReplayRestoreInput): Promise<ReplayRestoreResult> {
      return asActivity(async () => {
        const p = ReplayRestoreInput.parse(raw);
        await keepRestore(deps.catalog, p.restoreId, LEASE_MS);
        const map = NamespaceMap.parse({ include: p.namespaces, rename: p.renames }, p.plan.scope);
        // The restore's key first, then the worker's (as planning read them).
        const slices = new SliceStore(deps.store, deps.catalog.slices, sliceKeyring(keyringOf(p.encryption)));
        // A retry of this activity goes on from the progress its earlier attempts saved in the restore's record,
        // once it has claimed the replay: a stale earlier attempt still running is then refused its next save.
        const info = Context.current().info;
        const owner = `${info.workflowExecution?.runId ?? info.activityRunId ?? ''}/${info.activityId}`;
        const saved = await replayCheckpoints(deps, p.restoreId, owner, info.attempt);
        return timed(() =>
          keepAlive(async () => {
            const r = await replayToTime({
              catalog: deps.catalog, target: target(p.target), plan: p.plan, map: (ns) => map.map(ns), read: (rec) => slices.read(rec),
              ...saved, signal: cancellationSignal(), onProgress: (s) => heartbeat(s), logger: deps.logger,
            });
            const lastOp = r.last === undefined ? null : { ts: r.last.ts, ns: r.last.ns };
            const failures = r.indexFailures.length + r.commandFailures.length;
            const resumed = r.resumed === undefined ? {} : { resumedFrom: { slices: r.resumed.slices, through: tsToString(r.resumed.through) } };
            return { slices: r.slices, entries: r.entries, leftOut: r.leftOut, lastOp, failures, ...resumed, indexPlan: indexPlanOf(r) };
          }),
        );
      });
    },

    /** Builds the snapshot's indexes (minus what the replay dropped, by its index events) and retries what the replay could not build. */
    async buildRestoreIndexes(raw: BuildRestoreIndexesInput): Promise<BuildRestoreIndexesResult> {
      return asActivity(async () => {
        const p = BuildRestoreIndexesInput.parse(raw);
        const map = NamespaceMap.parse({ include: p.namespaces, rename: p.renames }, p.scope);
        const { manifest } = await manifestCollection(deps, p);
        const events = p.indexPlan === undefined ? undefined : IndexEvents.fromJSON(p.indexPlan.events);
        const collections = p.collections.map((c) => ({ collection: manifest.collections.find((x) => x.ns === c.ns)!, target: c.target }));
        const replayFailures = (p.indexPlan?.retry ?? []).map((r) => ({ ns: r.ns, index: r.index, spec: fromManifestJson(r.spec), error: '' }));
        return timed(() =>
          keepAlive(async () => {
            const out = await buildIndexes({ target: target(p.target), collections, events, replayFailures, map: (ns) => map.map(ns), signal: cancellationSignal(), logger: deps.logger });
            return { built: out.built.length, failed: out.refused.map((r) => ({ ns: r.ns, name: r.index, error: r.error })) };
          }),
        );
      });
    },

    /** Drops the target collections a restore created, after it failed on a damaged snapshot. */
    async discardRestoreTarget(raw: DiscardRestoreTargetInput): Promise<void> {
      return asActivity(async () => {
        const p = DiscardRestoreTargetInput.parse(raw);
        await discardCreated(target(p.target), p.namespaces);
        deps.logger.warn({ restoreId: p.restoreId, namespaces: p.namespaces }, 'removed the collections of a restore that failed on a damaged snapshot');
      });
    },

    /** Closes the restore's catalog record (complete, or failed with the reason) and ends its lease. */
    async finishRestore(raw: FinishRestoreInput): Promise<void> {
      return asActivity(async () => {
        const p = FinishRestoreInput.parse(raw);
        await deps.catalog.restores.end(p.restoreId, p.state, p.failure);
        await deps.catalog.restoreLeases.release(p.restoreId);
      });
    },
  };
}

/** An unreachable target is refused at once (retrying a wrong address for hours helps nobody). */
async function pingTarget(deps: Deps, id: string): Promise<void> {
  const client = deps.connections.client(id);
  try {
    // A client whose first connect failed is left closed by the registry until its background retry:
    // a ping alone would get "Topology is closed", a retryable error, forever. Connecting again here
    // (at once when connected) turns an address nothing answers on into a server selection failure.
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (err) {
    if (!(err instanceof MongoServerSelectionError || err instanceof MongoTopologyClosedError)) throw err;
    throw new HeadwaterError('TargetUnreachable', `restore target '${id}' is not answering: ${err.message}`);
  }
}
