/**
 * The initial sync: the seven phases, in Ops Manager's words, as one durable workflow. It builds a head
 * database equal to the source at a known timestamp. The oplog is captured from T0 for the whole sync,
 * so every change made while collections were copied is replayed onto the head ("applying oplogs").
 */
import { condition, patched, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import {
  InitialSyncInput,
  compareTsString,
  type InitialSyncParams,
  type Phase,
  type SyncProgress,
  type SyncResult,
  type SyncStart,
} from '../contracts/initial-sync.js';
import { long, quick } from './activity-options.js';
import { syncProgressQuery } from './messages.js';
import { asJobChild } from './job-child.js';
import { JobIdKey, PhaseKey, SourceKey } from './search-attributes.js';
import { applyUntil, startCapture, type ApplyEnd, type Capture } from './oplog-loops.js';
import { runPool } from './pool.js';

export async function initialSync(input: InitialSyncInput): Promise<SyncResult> {
  return asJobChild(() => syncRun(input));
}

async function syncRun(input: InitialSyncInput): Promise<SyncResult> {
  const params = InitialSyncInput.parse(input);
  const progress = emptyProgress();
  setHandler(syncProgressQuery, () => progress);
  const enter = (phase: Phase) => enterPhase(progress, phase);
  upsertSearchAttributes([
    { key: JobIdKey, value: params.jobId },
    { key: SourceKey, value: params.source },
  ]);
  const ref = { jobId: params.jobId, syncNumber: params.syncNumber };

  // starting: check the source, record T0 before reading any document, plan the copy.
  enter('starting');
  const start = await long.syncStart(params);
  progress.t0 = start.t0;
  progress.oplog.capturedThrough = start.t0;

  // The oplog is captured from T0 until the head is consistent; it runs beside every phase below.
  const tail = captureLoop(params, progress);
  // A capture failure (the oplog rolled over: a resync is needed) ends the sync at once, whatever phase
  // is waiting; left unobserved it would be an unhandled rejection, retried as a workflow task forever.
  await Promise.race([copyAndBuild(params, progress, start.ranges), failureOf(tail.done)]);

  // The capture ran on while indexes were built: apply what it caught, so the head is consistent where
  // this apply ends. Capture goes on through that apply and stops only after it: stopped before (as a
  // sync begun by an older worker replays), nothing was captured while a long final apply ran, and a
  // small oplog could roll past the handover to the follow. The follow carries on capturing from the
  // chain's end, which this capture may have taken past the consistent point (slice chains take one
  // slice per position, so the two never overlap), and applies from the consistent point.
  if (patched('capture-through-final-apply')) {
    await Promise.race([
      applyThrough(params, progress, progress.oplog.capturedThrough!),
      failureOf(tail.done),
    ]);
    tail.stop();
    await tail.done;
  } else {
    tail.stop();
    await tail.done;
    await applyThrough(params, progress, progress.oplog.capturedThrough!);
  }
  const consistentAt = progress.applied.through ?? start.t0;
  await quick.completeSync({ ...ref, consistentAt });
  progress.completeAt = consistentAt;
  enter('complete');
  return { jobId: params.jobId, syncNumber: params.syncNumber, consistentAt, progress };
}

/** transferring through creating indexes, while the oplog is captured beside them. */
async function copyAndBuild(params: InitialSyncParams, progress: SyncProgress, ranges: SyncStart['ranges']) {
  const ref = { jobId: params.jobId, syncNumber: params.syncNumber };
  const enter = (phase: Phase) => enterPhase(progress, phase);

  // transferring + building: copy ranges in parallel into slices; insert slices as they arrive.
  enter('transferring');
  let copying = true;
  const building = buildLoop(params, progress, () => copying);
  // As with capture: a build failure must end the sync now, not sit unobserved until the copy is over.
  const copy = runPool(ranges, params.parallelism, async (r) => {
    const res = await long.copyRange({
      ...ref,
      source: params.source,
      sliceStore: params.sliceStore,
      ns: r.ns,
      rangeIndex: r.index,
      sliceMaxBytes: params.sliceMaxBytes,
      readPreference: params.readPreference,
    });
    const c = (progress.collections[r.ns] ??= { docs: 0, bytes: 0, slices: 0, built: 0 });
    c.docs += res.docs;
    c.bytes += res.bytes;
    c.slices += res.slices;
  });
  await Promise.race([copy, failureOf(building)]);
  copying = false;
  enter('building');
  await building;

  // applying oplogs: replay captured entries up to the oplog's end as it was when the phase began.
  enter('applying oplogs');
  await applyToEnd(params, progress);

  // fetching missing documents: re-read what updates referred to, then replay what changed meanwhile.
  enter('fetching missing documents');
  const fetched = await long.fetchMissing({ ...ref, source: params.source, head: params.head });
  progress.missing.fetched += fetched.fetched;
  if (fetched.fetched + fetched.gone > 0) await applyToEnd(params, progress);

  // creating indexes: every source index, with its options; failures are listed, never dropped.
  enter('creating indexes');
  const indexes = await long.buildIndexes({ ...ref, head: params.head });
  progress.indexes = indexes;
}

/**
 * Rejects when `work` fails and never settles otherwise: raced against a phase, a loop running beside it
 * ends the sync as soon as it fails, instead of sitting unobserved (an unhandled rejection fails the
 * workflow task, retried forever).
 */
function failureOf(work: Promise<unknown>): Promise<never> {
  return work.then(() => new Promise<never>(() => undefined));
}

function enterPhase(progress: SyncProgress, phase: Phase) {
  progress.phase = phase;
  upsertSearchAttributes([{ key: PhaseKey, value: phase }]);
}

function emptyProgress(): SyncProgress {
  return {
    phase: 'starting',
    collections: {},
    oplog: { slices: 0, entries: 0 },
    applied: { entries: 0 },
    missing: { found: 0, fetched: 0 },
    indexes: { built: 0, failed: [] },
  };
}

/** Captures from T0 (oplog-loops.ts) until stopped, counting into the sync's progress. */
function captureLoop(params: InitialSyncParams, progress: SyncProgress): Capture {
  return startCapture({
    call: {
      jobId: params.jobId,
      syncNumber: params.syncNumber,
      source: params.source,
      sliceStore: params.sliceStore,
      // Short, because the sync waits for the one in flight before it completes.
      maxSeconds: 5,
      // On FerretDB every oplog read scans the whole oplog: at the follow's 200 ms that took 58% of a
      // source core from the copy. Here lag only delays completion, by at most a second per pass.
      pollMs: 1000,
      sliceMaxBytes: params.sliceMaxBytes,
    },
    after: () => progress.oplog.capturedThrough!,
    onCaptured: (res) => {
      progress.oplog.capturedThrough = res.lastTs;
      progress.oplog.slices += res.slices;
      progress.oplog.entries += res.entries;
    },
  });
}

/** Inserts slices into the head as they arrive, until the copy is over and every slice is built. */
async function buildLoop(params: InitialSyncParams, progress: SyncProgress, copying: () => boolean) {
  for (;;) {
    const stillCopying = copying();
    const res = await long.buildSlices({
      jobId: params.jobId,
      syncNumber: params.syncNumber,
      head: params.head,
      maxSeconds: params.activitySeconds,
    });
    for (const [ns, n] of Object.entries(res.perCollection)) {
      (progress.collections[ns] ??= { docs: 0, bytes: 0, slices: 0, built: 0 }).built += n;
    }
    if (res.slices === 0 && !stillCopying) return;
    if (res.slices === 0) await sleep('1s');
  }
}

/**
 * Applies the captured oplog up to the source's end as it is now (MongoDB's minValid): the head is then
 * consistent, and what is written meanwhile is applied when the sync ends and by the follow. Chasing the
 * end until a pass found nothing new never ended under a steady writer (20 passes, each waiting for a
 * capture call), which is where the demo sat in "applying oplogs".
 */
async function applyToEnd(params: InitialSyncParams, progress: SyncProgress) {
  const end = await quick.oplogEnd({ source: params.source });
  await condition(() => compareTsString(progress.oplog.capturedThrough!, end) >= 0);
  await applyThrough(params, progress, end);
}

/** Applies captured slices that begin before `end`, in bounded calls, until `end` or no progress. */
function applyThrough(params: InitialSyncParams, progress: SyncProgress, end: string): Promise<ApplyEnd> {
  return applyUntil({
    call: { jobId: params.jobId, syncNumber: params.syncNumber, head: params.head },
    from: () => progress.applied.through ?? progress.t0!,
    target: () => end,
    onApplied: (res) => {
      progress.applied.through = res.through;
      progress.applied.entries += res.entries;
      progress.missing.found += res.missing;
    },
  });
}
