/**
 * The backup job's state and work, behind the job workflow's handlers. Commands and the events of the
 * job's own work (a sync ended, the follow ended) run one at a time under a lock; the pure machine
 * (job-machine.ts) decides every transition. Active runs the existing initialSync, then the existing
 * follow from the sync's consistent point. The follow is abandoned by a continue-as-new, never killed:
 * each run watches it through an activity, and stop cancels it and waits until it has ended.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  DEFAULT_JOB_READ_PREFERENCE,
  JobCommandRequest,
  RESYNC_REQUIRED,
  UPDATABLE_FIELDS,
  UpdateJobRequest,
  type JobDefinition,
  type BackupJobParams,
  type FollowOutcome,
  type JobCommand,
  type JobFailure,
  type JobMachineState,
  type JobView,
  type SnapshotTaken,
} from '../contracts/job.js';
import { compareTsString, type SyncResult } from '../contracts/initial-sync.js';
import { long, quick } from './activity-options.js';
import { follow } from './follow.js';
import { workflowIds } from './ids.js';
import { initialSync } from './initial-sync.js';
import { JobHealth } from './job-health.js';
import { allowedCommands, autoResyncDecision, onEvent, transition } from './job-machine.js';
import { JobIdKey, PhaseKey, SourceKey, StateKey } from './search-attributes.js';
import { WorkflowLock } from './workflow-lock.js';

/** The follow can run for months: its watch is retried after a day, not after the usual 4 hours. */
const watching = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 day',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

type EventKind = Parameters<typeof quick.recordJobState>[0]['event']['kind'];

export class JobRunner {
  m: JobMachineState;
  following: boolean;
  private readonly p: BackupJobParams;
  private readonly lock = new WorkflowLock();
  private readonly root = CancellationScope.current();
  private scope: CancellationScope | undefined;
  private work: Promise<void> | undefined;
  private transient: string | undefined;
  private readonly health: JobHealth;

  constructor(p: BackupJobParams) {
    this.p = p;
    this.m = p.machine;
    this.following = p.following;
    // Carried by a worker that predates headSync: an Active job (never carried during a sync) holds its latest sync's head.
    if (p.headSync === undefined && p.consistentAt !== undefined && p.machine.state === 'Active') p.headSync = p.machine.syncNumber;
    const host = { jobId: p.job.jobId, state: () => this.m.state, following: () => this.following, threshold: () => this.p.job.headroomWarnSeconds };
    this.health = new JobHealth(host, p.healthCheckSeconds, p);
  }

  private get jobId() {
    return this.p.job.jobId;
  }

  /** Saves the definition before any command runs; a run continued with a live follow watches it again. */
  async begin(): Promise<void> {
    this.publish();
    await this.lock.run(async () => {
      await quick.saveJob(this.p.job);
      await this.createSchedules();
    });
    if (this.following) this.launch(() => this.watch());
    // In the root scope: a stop's or a resync's halt cancels the job's work, never its health checks.
    void this.health.run();
  }

  /**
   * Creating a job creates its snapshot and groom Schedules, paused while it is Inactive: start resumes
   * them (and still creates them for a job created before this), stop pauses, terminate deletes them.
   * Only the job's first run: a later run, after a terminate, must not bring them back. Under the lock, so
   * a start cannot resume them before they are paused. patched(): older jobs replay their first run as it was.
   */
  private async createSchedules(): Promise<void> {
    if (this.m.state !== 'Inactive' || workflowInfo().continuedFromExecutionRunId !== undefined) return;
    if (!patched('schedules-at-create')) return;
    await quick.upsertJobSchedules(this.p.job);
    await quick.pauseJobSchedules({ jobId: this.jobId, paused: true, note: 'job inactive: start resumes it' });
  }

  /** Continue-as-new only between commands and outside an initial sync (the sync child would be lost). */
  atRest(): boolean {
    return this.lock.idle && this.m.state !== 'Initial Sync';
  }

  /** Update validator: synchronous, writes nothing; refuses bad input and illegal transitions. */
  validate(command: JobCommand, req: unknown): void {
    const parsed = JobCommandRequest.safeParse(req ?? {});
    if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid ${command} request: ${parsed.error.message}`, 'InvalidConfig');
    const r = transition(this.m, command);
    if (!r.ok) throw ApplicationFailure.nonRetryable(r.message, 'IllegalTransition', { state: this.m.state, allowed: allowedCommands(this.m) });
  }

  /** Runs a command under the lock, re-checked there (an earlier command may have moved the job). */
  command(command: JobCommand, req: JobCommandRequest): Promise<JobView> {
    return this.lock.run(async () => {
      const r = transition(this.m, command);
      if (!r.ok) throw ApplicationFailure.nonRetryable(r.message, 'IllegalTransition', { state: this.m.state, allowed: allowedCommands(this.m) });
      this.p.counters.commands += 1;
      const reason = JobCommandRequest.parse(req ?? {}).reason;
      await quick.recordJobEvent({ jobId: this.jobId, kind: 'command', message: `${command}${reason ? `: ${reason}` : ''}`, details: { from: this.m.state } });
      await this.prepare(command);
      await this.enter(r.next, 'state', `${command}: ${this.m.state} -> ${r.next.state}`);
      if (r.next.state === 'Initial Sync') this.launch(() => this.syncThenFollow(r.next.syncNumber));
      return this.view();
    });
  }

  /** What a command does before the job enters its next state. */
  private async prepare(command: JobCommand): Promise<void> {
    switch (command) {
      case 'start':
      case 'restart':
        // Creates the Schedules, or resumes them with the job's current interval and retention.
        await quick.upsertJobSchedules(this.p.job);
        return;
      case 'stop':
        await this.halt('stopping');
        await quick.pauseJobSchedules({ jobId: this.jobId, paused: true, note: 'job stopped' });
        return;
      case 'resync':
        await this.halt('stopping');
        return;
      case 'terminate': {
        this.transient = 'terminating';
        this.publish();
        const removed = await long.removeJob(this.p.job);
        await quick.recordJobEvent({ jobId: this.jobId, kind: 'terminated', message: 'snapshots, slices, head databases and Schedules deleted, stores swept', details: removed });
        this.p.consistentAt = undefined;
        this.p.headSync = undefined;
        this.p.syncSource = undefined;
        this.p.lastSnapshot = undefined;
        this.health.clear();
        this.transient = undefined;
        return;
      }
    }
  }

  /** `job update` validator: the new definition parses and changes only what may change while the job runs. */
  validateUpdate(req: unknown): void {
    const r = UpdateJobRequest.safeParse(req);
    if (!r.success) throw ApplicationFailure.nonRetryable(`invalid job update: ${r.error.message}`, 'InvalidConfig');
    const fixed = (d: JobDefinition) => JSON.stringify({ ...d, ...Object.fromEntries(UPDATABLE_FIELDS.map((f) => [f, null])) });
    if (fixed(r.data.definition) !== fixed(this.p.job)) {
      throw ApplicationFailure.nonRetryable(
        `job update may change only ${UPDATABLE_FIELDS.join(', ')}; source, head, filter, stores and key need a new job`,
        'InvalidConfig',
      );
    }
  }

  /** Saves the new definition and, unless Inactive, rewrites the Schedules with it (paused again when Stopped). */
  update(req: UpdateJobRequest): Promise<JobView> {
    return this.lock.run(async () => {
      this.validateUpdate(req);
      const { definition, reason } = UpdateJobRequest.parse(req);
      this.p.counters.commands += 1;
      this.p.job = definition;
      await quick.saveJob(definition);
      await quick.recordJobEvent({ jobId: this.jobId, kind: 'command', message: `update${reason ? `: ${reason}` : ''}`, details: { retention: definition.retention } });
      if (this.m.state !== 'Inactive') {
        await quick.upsertJobSchedules(definition);
        if (this.m.state === 'Stopped') await quick.pauseJobSchedules({ jobId: this.jobId, paused: true, note: 'job stopped' });
      }
      // A new headroom threshold takes effect now, on the last reading; the window is read again.
      await this.health.rejudge();
      this.health.poke();
      return this.view();
    });
  }

  snapshotTaken(s: SnapshotTaken): void {
    this.p.lastSnapshot = s;
    this.p.counters.snapshots += 1;
    this.health.poke();
  }

  /** The newest snapshot: signalled by a scheduled one, or found in the catalog (one taken by hand). */
  private lastSnapshot() {
    const signalled = this.p.lastSnapshot;
    const cataloged = this.health.window?.lastSnapshot;
    if (signalled === undefined || cataloged === undefined) return signalled ?? cataloged;
    return compareTsString(cataloged.ts, signalled.ts) > 0 ? cataloged : signalled;
  }

  view(): JobView {
    return {
      jobId: this.jobId,
      state: this.m.state,
      condition: this.m.resyncRequired === undefined ? undefined : RESYNC_REQUIRED,
      phase: this.phase(),
      syncNumber: this.m.syncNumber,
      allowed: allowedCommands(this.m),
      resyncRequired: this.m.resyncRequired,
      lastError: this.m.lastError,
      consistentAt: this.p.consistentAt,
      headSync: this.p.headSync,
      syncSource: this.p.syncSource,
      lastSnapshot: this.lastSnapshot(),
      window: this.health.window,
      headroom: this.health.headroom,
      counters: { ...this.p.counters },
      definition: this.p.job,
    };
  }

  /** The whole state, for continue-as-new. */
  carry(): BackupJobParams {
    return {
      ...this.p,
      machine: this.m,
      following: this.following,
      window: this.health.window,
      headroom: this.health.headroom,
      counters: { ...this.p.counters, continuedAsNew: this.p.counters.continuedAsNew + 1 },
    };
  }

  private phase(): string {
    if (this.transient !== undefined) return this.transient;
    switch (this.m.state) {
      case 'Inactive':
        return 'inactive';
      case 'Initial Sync':
        return 'initial sync';
      case 'Stopped':
        return 'stopped';
      case 'Active':
        return this.m.resyncRequired !== undefined ? RESYNC_REQUIRED : this.following ? 'following' : 'starting follow';
    }
  }

  /** Keeps the search attributes current, so the Temporal UI and `HeadwaterState='Active'` find the job. */
  private publish(): void {
    upsertSearchAttributes([
      { key: JobIdKey, value: this.jobId },
      { key: SourceKey, value: this.p.job.source },
      { key: StateKey, value: this.m.state },
      { key: PhaseKey, value: this.phase() },
    ]);
  }

  /** A child's search attributes: found beside its job (the sync keeps its own phase current). */
  private childAttributes(state: string, phase: string) {
    return [
      { key: JobIdKey, value: this.jobId },
      { key: SourceKey, value: this.p.job.source },
      { key: StateKey, value: state },
      { key: PhaseKey, value: phase },
    ];
  }

  /** Takes the next machine state, publishes it and mirrors it into the catalog with an event. */
  private async enter(next: JobMachineState, kind: EventKind, message: string, details?: Record<string, unknown>): Promise<void> {
    this.m = next;
    this.publish();
    this.health.poke();
    await quick.recordJobState({
      jobId: this.jobId,
      state: next.state,
      syncNumber: next.syncNumber,
      condition: next.resyncRequired === undefined ? undefined : RESYNC_REQUIRED,
      event: { kind, message, details },
    });
  }

  /** Runs the job's background work in its own scope (a child of the root, whoever launches it). */
  private launch(fn: () => Promise<void>): void {
    const scope = new CancellationScope({ cancellable: true, parent: this.root });
    this.scope = scope;
    this.work = scope.run(fn).catch((err: unknown) => {
      if (isCancellation(err)) return;
      // Unexpected: keep the job answering commands, and say what broke.
      log.error('job work failed', { jobId: this.jobId, error: String(err) });
      this.m = { ...this.m, lastError: failureOf(err) };
    });
  }

  /**
   * Ends the job's work: an initial sync is cancelled; a follow is asked to cancel, and waited for until
   * it has ended (Stopped captures and applies nothing). The request is repeated in case it reached a run
   * the follow was just continuing from.
   */
  private async halt(transient: string): Promise<void> {
    this.transient = transient;
    this.publish();
    while (this.following) {
      await getExternalWorkflowHandle(workflowIds.tail(this.jobId))
        .cancel()
        .catch(() => undefined);
      await condition(() => !this.following, '30s');
    }
    this.scope?.cancel();
    await this.work;
    this.scope = undefined;
    this.work = undefined;
    this.transient = undefined;
  }

  /**
   * What the sync and the follow of sync `n` share: whose chain, from where, into which head and store.
   * `source` is the reference of the one member the sync reads (`<id>@<host:port>`) once it is chosen.
   */
  private chainOf(n: number, source = this.p.job.source) {
    const { head, sliceStore } = this.p.job;
    return { jobId: this.jobId, syncNumber: n, source, head, sliceStore };
  }

  /**
   * The member sync `n` and its follow read, chosen by the job's read preference before the sync starts
   * (a secondary by default): the reference names it, so every read of that chain goes to it alone.
   * patched(): a sync started by an older worker replays without the choice, reading as it did.
   */
  private async memberOf(n: number): Promise<string> {
    if (!patched('member-per-sync')) return this.p.job.source;
    const readPreference = this.p.job.readPreference ?? DEFAULT_JOB_READ_PREFERENCE;
    const ref = await quick.chooseSyncMember({ source: this.p.job.source, readPreference: this.p.job.readPreference?.mode, readTags: this.p.job.readPreference?.tags });
    // The reference is `<source>@<host:port>` (config/connections.ts onMember): shown by the status.
    this.p.syncSource = { syncNumber: n, member: ref.slice(this.p.job.source.length + 1), readPreference };
    return ref;
  }

  /**
   * Initial sync `n`, then follow from its consistent point. A sync whose capture found the oplog rolled
   * over leaves the job waiting for a resync, as the follow's does; any other failure stops the job.
   */
  private async syncThenFollow(n: number): Promise<void> {
    let result: SyncResult;
    let source = this.p.job.source;
    try {
      source = await this.memberOf(n);
      result = await executeChild(initialSync, {
        workflowId: workflowIds.initialSync(this.jobId, n),
        typedSearchAttributes: this.childAttributes('Initial Sync', 'starting'),
        args: [
          {
            ...this.chainOf(n, source),
            filter: this.p.job.filter,
            encryptionKeyId: this.p.job.encryptionKeyId,
            // Recorded with the sync's plan: its T0, copy and capture, and the follow's capture, read with it.
            readPreference: this.p.job.readPreference?.mode,
            readTags: this.p.job.readPreference?.tags,
          },
        ],
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = failureOf(err);
      // patched(): a sync that an older worker saw roll over replays as it ran (the job stopped).
      if (failure.type === 'OplogRolledOver' && patched('sync-rollover-resync-required')) {
        await this.lock.run(() => this.rolledOver(failure.message, failureDetails(err), n));
        return;
      }
      await this.lock.run(async () => {
        await this.enter(onEvent(this.m, { kind: 'syncFailed', failure }), 'failed', `initial sync ${n} failed: ${failure.message}`, failure);
        await quick.pauseJobSchedules({ jobId: this.jobId, paused: true, note: 'initial sync failed' });
      });
      return;
    }
    await this.lock.run(async () => {
      this.p.counters.syncs += 1;
      // The new head is complete: the job switches to it, and the heads of earlier syncs (a restart's, a
      // resync's), kept until now beside it, are dropped.
      this.p.consistentAt = result.consistentAt;
      this.p.headSync = n;
      await long.dropOldHeads({ jobId: this.jobId, head: this.p.job.head, keepSyncNumber: n });
      await this.startFollow(n, result.consistentAt, source);
      await this.enter(onEvent(this.m, { kind: 'syncCompleted' }), 'state', `initial sync ${n} complete at ${result.consistentAt}: Active`);
    });
    await this.watch();
  }

  private async startFollow(n: number, from: string, source: string): Promise<void> {
    await startChild(follow, {
      workflowId: workflowIds.tail(this.jobId),
      typedSearchAttributes: this.childAttributes('Active', 'following'),
      // It outlives this run's continue-as-new; stop and terminate end it explicitly.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          ...this.chainOf(n, source),
          capturedThrough: from,
          appliedThrough: from,
          headroomWarnSeconds: this.p.job.headroomWarnSeconds,
          captureSeconds: this.p.captureSeconds,
        },
      ],
    });
    this.following = true;
  }

  /** Waits for the follow to end; a rolled-over oplog means "backup requires a resync", anything else stops. */
  private async watch(): Promise<void> {
    const outcome = await watching.watchFollow({ jobId: this.jobId });
    this.following = false;
    this.publish();
    if (outcome.status === 'cancelled') return;
    await this.lock.run(() => this.followEnded(outcome));
  }

  private async followEnded(outcome: FollowOutcome): Promise<void> {
    if (outcome.failureType !== 'OplogRolledOver') {
      const failure = { type: outcome.failureType ?? outcome.status, message: outcome.message ?? `the follow ${outcome.status}` };
      await this.enter(onEvent(this.m, { kind: 'followFailed', failure }), 'failed', `follow ended (${outcome.status}): ${failure.message}`, failure);
      await quick.pauseJobSchedules({ jobId: this.jobId, paused: true, note: 'follow failed' });
      return;
    }
    await this.rolledOver(outcome.message, outcome.details);
  }

  /**
   * The oplog rolled past the chain's last captured entry (found by the follow's capture or the sync's):
   * "backup requires a resync", with the range lost, from the OplogRolledOver failure's details. The job
   * keeps its snapshots and window and waits; resyncPolicy auto starts the resync by itself.
   */
  private async rolledOver(message: string | undefined, d: Record<string, unknown> = {}, duringSync?: number): Promise<void> {
    const range = {
      message: message ?? RESYNC_REQUIRED,
      missingFrom: typeof d.missingFrom === 'string' ? d.missingFrom : undefined,
      oldestAvailable: typeof d.oldestAvailable === 'string' ? d.oldestAvailable : null,
    };
    await this.enter(onEvent(this.m, { kind: 'rolledOver', range }), 'resync required', range.message, range);
    const auto = autoResyncDecision({ policy: this.p.job.resyncPolicy, duringSync, autoResyncSync: this.p.autoResyncSync });
    // patched(): a job whose auto resync rolled over under an older worker replays the resync it started.
    if (auto.withheld !== undefined && patched('auto-resync-withheld')) {
      await quick.recordJobEvent({ jobId: this.jobId, kind: 'auto resync withheld', message: auto.withheld });
      return;
    }
    if (this.p.job.resyncPolicy !== 'auto') return;
    // resyncPolicy auto: the resync starts by itself, and the log says so.
    const r = transition(this.m, 'resync');
    if (!r.ok) return;
    this.p.counters.autoResyncs += 1;
    this.p.autoResyncSync = r.next.syncNumber;
    await quick.recordJobEvent({ jobId: this.jobId, kind: 'auto resync', message: `resync ${r.next.syncNumber} started by resyncPolicy auto` });
    await this.enter(r.next, 'state', `auto resync: Active -> Initial Sync`);
    this.launch(() => this.syncThenFollow(r.next.syncNumber));
  }
}

/** The details of the typed failure in a child's or an activity's failure chain (as the follow's watch reads them). */
function failureDetails(err: unknown): Record<string, unknown> | undefined {
  for (let c: unknown = err; c instanceof Error; c = c.cause) {
    if (!(c instanceof ApplicationFailure)) continue;
    const d: unknown = c.details?.[0];
    return typeof d === 'object' && d !== null ? (d as Record<string, unknown>) : undefined;
  }
  return undefined;
}

/** The failure type and message a person can act on, from a child's or an activity's failure chain. */
function failureOf(err: unknown): JobFailure {
  for (let c: unknown = err; c instanceof Error; c = c.cause) {
    if (c instanceof ApplicationFailure) return { type: c.type ?? 'Error', message: c.message };
  }
  return { type: 'Error', message: err instanceof Error ? err.message : String(err) };
}
