/**
 * The restore workflow (`restore/<restoreId>`): a snapshot, or a job at a point in time, brought back
 * onto a target deployment. Runbook: plan (every refusal happens here, before anything is written),
 * prepare the target, restore each collection in a heartbeating activity that resumes from its last
 * batch, verify count and content hash against the manifest, replay the oplog to T, build the indexes.
 * Invariant: a restore either ends complete and verified or is recorded failed, with a non-retryable
 * failure whose type and message say what to do; never silently half-restored.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import {
  RestoreInput,
  type CollectionVerification,
  type RestoreParams,
  type RestorePhase,
  type RestorePlanRef,
  type RestoreResult,
  type RestoreStatus,
} from '../contracts/restore.js';
import { long, quick } from './activity-options.js';
import { restoreStatusQuery } from './messages.js';
import { runPool } from './pool.js';
import { JobIdKey, PhaseKey } from './search-attributes.js';

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
  try {
    return await runRestore(p, status, timings);
  } catch (err) {
    throw await recordFailure(p, status, err);
  }
}

async function runRestore(p: RestoreParams, status: RestoreStatus, timings: Record<string, number>): Promise<RestoreResult> {
  const enter = (phase: RestorePhase) => enterPhase(status, phase);
  const ref = (plan: RestorePlanRef) => ({ restoreId: p.restoreId, store: plan.store, manifestKey: plan.manifestKey, target: p.target });

  // planning: the snapshot, T inside the window, namespaces, key, target; refusals write nothing.
  enter('planning');
  const plan = await quick.planRestore({ restoreId: p.restoreId, from: p.from, target: p.target, namespaces: p.namespaces, renames: p.renames, encryption: p.encryption });
  const { collections, ...summary } = plan;
  status.plan = summary;
  upsertSearchAttributes([{ key: JobIdKey, value: plan.jobId }]);
  for (const c of collections) status.collections[c.ns] = { target: `${c.target.db}.${c.target.coll}`, expected: c.count, docs: 0, done: false };
  status.counts.expectedDocuments = collections.reduce((n, c) => n + c.count, 0);

  // preparing target: refuse a non-empty target without drop, then create collections with their options.
  enter('preparing target');
  timings.prepare = (await quick.prepareRestoreTarget({ ...ref(plan), collections, drop: p.drop })).ms;

  // restoring collections: one long activity each, resuming from its last finished batch after a crash.
  enter('restoring collections');
  timings.collections = 0;
  await runPool(collections, p.parallelism, async (collection) => {
    const r = await long.restoreCollection({ ...ref(plan), collection, encryption: p.encryption, batchDocs: p.batchDocs, batchBytes: p.batchBytes, fetchConcurrency: p.fetchConcurrency });
    Object.assign(status.collections[collection.ns]!, { docs: r.docs, done: true, resumed: r.resumed });
    status.counts.collections += 1;
    status.counts.documents += r.docs;
    timings.collections! += r.ms;
  });

  // verifying: count and content hash of every target collection against the manifest, before any replay.
  enter('verifying');
  const verified = await verifyAll(p, plan, timings);
  status.verification = verified;
  const bad = verified.filter((v) => !v.ok);
  if (bad.length > 0) {
    throw ApplicationFailure.nonRetryable(`restored data differs from snapshot '${plan.snapshotId}' in ${bad.map(describeMismatch).join('; ')}`, 'RestoreVerifyFailed');
  }

  // replaying oplog: the job's slices after the snapshot up to T inclusive, through the same namespace map.
  let indexPlan;
  if (plan.toTs !== undefined) {
    enter('replaying oplog');
    const { ms, indexPlan: ip, ...replay } = await long.replayRestoreOplog({ restoreId: p.restoreId, target: p.target, namespaces: p.namespaces, renames: p.renames, plan });
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

async function verifyAll(p: RestoreParams, plan: RestorePlanRef, timings: Record<string, number>): Promise<CollectionVerification[]> {
  const out: CollectionVerification[] = [];
  timings.verify = 0;
  await runPool(plan.collections, p.parallelism, async (c) => {
    const r = await long.verifyRestoredCollection({ restoreId: p.restoreId, store: plan.store, manifestKey: plan.manifestKey, target: p.target, collection: c });
    out.push(r.collection);
    timings.verify! += r.ms;
  });
  // In plan order, whatever order the pool finished in.
  return plan.collections.map((c) => out.find((v) => v.ns === c.ns)!);
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
