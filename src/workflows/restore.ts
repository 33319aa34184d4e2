/**
 * The restore workflow (`restore/<restoreId>`): a snapshot, or a job at a point in time, brought back
 * onto a target deployment. Runbook: plan (every refusal happens here, before anything is written),
 * prepare the target, restore each collection in a heartbeating activity that resumes from its last
 * batch, verify count and content hash against the manifest, replay the oplog to T, build the indexes.
 * Invariant: a restore either ends complete and verified or is recorded failed, with a non-retryable
 * failure whose type and message say what to do; never silently half-restored.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  RestoreInput,
  type CollectionVerification,
  type PlannedCollection,
  type RestoreParams,
  type RestorePhase,
  type RestorePlanRef,
  type RestoreResult,
  type RestoreStatus,
} from '../contracts/restore.js';
import { nonRetryableFailureTypes } from '../errors/failure-types.js';
import { long, quick } from './activity-options.js';
import { restoreStatusQuery } from './messages.js';
import { runPool } from './pool.js';
import { JobIdKey, PhaseKey } from './search-attributes.js';

/**
 * restoreCollection as `long` runs it, except that a cancelled attempt is waited for until it has stopped:
 * when one collection fails, the others are cancelled, and nothing may still be writing while a failed
 * restore's collections are removed.
 */
const lanes = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '4h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: nonRetryableFailureTypes },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Failures that mean the snapshot cannot be read whole: the collections the restore created are removed. */
const DAMAGED_SNAPSHOT = new Set(['ChecksumMismatch', 'WrongKey', 'NotFound']);

export async function restore(input: RestoreInput): Promise<RestoreResult> {
  const p: RestoreParams = RestoreInput.parse(input);
  const status: RestoreStatus = {
    restoreId: p.restoreId,
    phase: 'planning',
    collections: {},
    counts: { collections: 0, documents: 0, expectedDocuments: 0 },
  };
  setHandler(restoreStatusQuery, () => status);
  const timings: Record<string, number> = {};
  const created: string[] = [];
  try {
    return await runRestore(p, status, timings, created);
  } catch (err) {
    await discardIfDamaged(p, err, created);
    throw await recordFailure(p, status, err);
  }
}

async function runRestore(p: RestoreParams, status: RestoreStatus, timings: Record<string, number>, created: string[]): Promise<RestoreResult> {
  const enter = (phase: RestorePhase) => enterPhase(status, phase);
  const ref = (plan: RestorePlanRef) => snapshotRef(p, plan);

  // planning: the snapshot, T inside the window, namespaces, key, target; refusals write nothing.
  enter('planning');
  // Long, with a heartbeat timeout: the plan of a point-in-time restore reads every slice up to T. The
  // same activity as before (only its timeouts differ), so a restore begun under an older worker replays.
  const plan = await long.planRestore({ restoreId: p.restoreId, from: p.from, target: p.target, namespaces: p.namespaces, renames: p.renames, encryption: p.encryption });
  const { collections, ...summary } = plan;
  status.plan = summary;
  upsertSearchAttributes([{ key: JobIdKey, value: plan.jobId }]);
  for (const c of collections) status.collections[c.ns] = { target: `${c.target.db}.${c.target.coll}`, expected: c.count, docs: 0, done: false };
  status.counts.expectedDocuments = collections.reduce((n, c) => n + c.count, 0);

  // preparing target: refuse a non-empty target without drop, then create collections with their options.
  enter('preparing target');
  const prepared = await quick.prepareRestoreTarget({ ...ref(plan), collections, drop: p.drop });
  created.push(...prepared.createdNamespaces);
  timings.prepare = prepared.ms;

  // restoring collections: one long activity each, resuming from its last finished batch after a crash;
  // each collection verified (count and content hash against the manifest) in its lane as soon as it is
  // in, while other lanes insert. Phase 'verifying' once the last insert is done. All before any replay.
  enter('restoring collections');
  const verified = patched('restore-verify-in-lanes')
    ? await restoreAndVerifyInLanes(p, plan, status, timings)
    : await restoreThenVerify(p, plan, status, timings);
  status.verification = verified;
  const bad = verified.filter((v) => !v.ok);
  if (bad.length > 0) {
    throw ApplicationFailure.nonRetryable(`restored data differs from snapshot '${plan.snapshotId}' in ${bad.map(describeMismatch).join('; ')}`, 'RestoreVerifyFailed');
  }

  // replaying oplog: the job's slices after the snapshot up to T inclusive, through the same namespace map.
  let indexPlan;
  if (plan.toTs !== undefined) {
    enter('replaying oplog');
    const { ms, indexPlan: ip, ...replay } = await long.replayRestoreOplog({ restoreId: p.restoreId, target: p.target, namespaces: p.namespaces, renames: p.renames, plan, encryption: p.encryption });
    status.replay = replay;
    indexPlan = ip;
    timings.replay = ms;
  }

  // building indexes: after the data and the replay, so a unique index never meets a passing state.
  enter('building indexes');
  const { ms, ...indexes } = await long.buildRestoreIndexes({ ...ref(plan), namespaces: p.namespaces, renames: p.renames, scope: plan.scope, collections, indexPlan });
  status.indexes = indexes;
  timings.indexes = ms;

  await quick.finishRestore({ restoreId: p.restoreId, state: 'complete' });
  enter('complete');
  return {
    restoreId: p.restoreId,
    jobId: plan.jobId,
    snapshotId: plan.snapshotId,
    snapshotTs: plan.snapshotTs,
    toTs: plan.toTs,
    target: p.target,
    collections: verified,
    documents: status.counts.documents,
    replay: status.replay,
    indexes,
    timings,
  };
}

type Timings = Record<string, number>;

/**
 * Each lane restores a collection, then verifies it: one collection's verification (a full read of the
 * target) overlaps the other lanes' inserts. A mismatch is a result, so every collection is verified and
 * every mismatch named.
 */
async function restoreAndVerifyInLanes(p: RestoreParams, plan: RestorePlanRef, status: RestoreStatus, timings: Timings): Promise<CollectionVerification[]> {
  const out = new Map<string, CollectionVerification>();
  let inserting = plan.collections.length;
  timings.collections = 0;
  timings.verify = 0;
  await stopOnFirstFailure(plan.collections, p.parallelism, async (collection) => {
    await restoreOne(p, plan, collection, status, timings);
    if (--inserting === 0) enterPhase(status, 'verifying');
    const v = await verifyOne(p, plan, collection, timings);
    status.collections[collection.ns]!.verified = v.ok;
    out.set(collection.ns, v);
  });
  // In plan order, whatever order the lanes finished in.
  return plan.collections.map((c) => out.get(c.ns)!);
}

/** The order of a restore started by a worker before restore-verify-in-lanes: every insert, then every verification. */
async function restoreThenVerify(p: RestoreParams, plan: RestorePlanRef, status: RestoreStatus, timings: Timings): Promise<CollectionVerification[]> {
  timings.collections = 0;
  await stopOnFirstFailure(plan.collections, p.parallelism, (c) => restoreOne(p, plan, c, status, timings));
  enterPhase(status, 'verifying');
  const out = new Map<string, CollectionVerification>();
  timings.verify = 0;
  await runPool(plan.collections, p.parallelism, async (c) => void out.set(c.ns, await verifyOne(p, plan, c, timings)));
  return plan.collections.map((c) => out.get(c.ns)!);
}

async function restoreOne(p: RestoreParams, plan: RestorePlanRef, collection: PlannedCollection, status: RestoreStatus, timings: Timings): Promise<void> {
  const r = await lanes.restoreCollection({ ...snapshotRef(p, plan), collection, encryption: p.encryption, batchDocs: p.batchDocs, batchBytes: p.batchBytes, fetchConcurrency: p.fetchConcurrency });
  Object.assign(status.collections[collection.ns]!, { docs: r.docs, done: true, resumed: r.resumed });
  status.counts.collections += 1;
  status.counts.documents += r.docs;
  timings.collections! += r.ms;
}

async function verifyOne(p: RestoreParams, plan: RestorePlanRef, collection: PlannedCollection, timings: Timings): Promise<CollectionVerification> {
  const r = await long.verifyRestoredCollection({ ...snapshotRef(p, plan), collection });
  timings.verify! += r.ms;
  return r.collection;
}

function snapshotRef(p: RestoreParams, plan: RestorePlanRef) {
  return { restoreId: p.restoreId, store: plan.store, manifestKey: plan.manifestKey, target: p.target };
}

/**
 * `fn` over `items` in `limit` lanes. The first failure cancels the other lanes' activities and is thrown
 * once every lane has stopped (their activities are waited for until cancelled).
 */
async function stopOnFirstFailure<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const scope = new CancellationScope();
  let first: { err: unknown } | undefined;
  await scope.run(() =>
    runPool(items, limit, async (item) => {
      if (first !== undefined) return;
      try {
        await fn(item);
      } catch (err) {
        if (first !== undefined) return;
        first = { err };
        scope.cancel();
      }
    }),
  );
  if (first !== undefined) throw first.err;
}

/**
 * A restore that failed on a damaged snapshot (a chunk changed, missing or undecryptable) removes the
 * target collections it created, as the domain's runRestore does: the target is left as it was before the
 * restore (with drop, without the collections it replaced). Other failures leave the target for a look,
 * recorded failed.
 */
async function discardIfDamaged(p: RestoreParams, err: unknown, created: string[]): Promise<void> {
  const cause = err instanceof ActivityFailure && err.cause !== undefined ? err.cause : err;
  if (created.length === 0 || !(cause instanceof ApplicationFailure) || !DAMAGED_SNAPSHOT.has(cause.type ?? '')) return;
  await CancellationScope.nonCancellable(() => quick.discardRestoreTarget({ restoreId: p.restoreId, target: p.target, namespaces: created })).catch((e: unknown) =>
    log.warn('could not remove the collections of a failed restore', { restoreId: p.restoreId, error: String(e) }));
}

function describeMismatch(v: CollectionVerification): string {
  return `'${v.target}' (from '${v.ns}'): ${v.count} documents with hash ${v.hash.slice(0, 12)}…, the snapshot has ${v.expectedCount} with ${v.expectedHash.slice(0, 12)}…`;
}

function enterPhase(status: RestoreStatus, phase: RestorePhase): void {
  status.phase = phase;
  upsertSearchAttributes([{ key: PhaseKey, value: phase }]);
}

/**
 * Marks the restore failed (status, search attribute, catalog record) and returns the failure to throw:
 * non-retryable, with the cause's type and a message naming the restore and the phase. A cancellation
 * is recorded the same way and rethrown as it is.
 */
async function recordFailure(p: RestoreParams, status: RestoreStatus, err: unknown): Promise<unknown> {
  const phase = status.phase;
  const cause = err instanceof ActivityFailure && err.cause !== undefined ? err.cause : err;
  const type = isCancellation(err) ? 'Cancelled' : cause instanceof ApplicationFailure && cause.type ? cause.type : 'RestoreFailed';
  const message = cause instanceof Error ? cause.message : String(cause);
  status.failure = { type, message, phase };
  enterPhase(status, 'failed');
  log.warn('restore failed', { restoreId: p.restoreId, phase, type });
  await CancellationScope.nonCancellable(() => quick.finishRestore({ restoreId: p.restoreId, state: 'failed', failure: status.failure })).catch(() => undefined);
  if (isCancellation(err)) return err;
  const details = cause instanceof ApplicationFailure ? cause.details : undefined;
  return ApplicationFailure.create({ type, message: `restore '${p.restoreId}' failed while ${phase}: ${message}`, nonRetryable: true, details: details ?? [], cause: cause instanceof Error ? cause : undefined });
}
