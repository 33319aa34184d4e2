/**
 * The job's health, kept in the job workflow so its status query answers without touching the catalog:
 * the point-in-time window (first and last restorable second, the newest snapshot) and the oplog headroom
 * against the job's own threshold. Checked every `healthCheckSeconds` while the job follows, and once after
 * any other change (a transition, a snapshot, an update). A warning is set before a rollover can happen and
 * cleared when headroom recovers, each recorded as an event; `job update` re-judges it at once. The warning
 * is also the job's `HeadwaterHealth` search attribute, so a visibility query finds every job at risk.
 */
import { condition, log, patched, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { JobHeadroom, JobHealthReport, JobState, JobWindow } from '../contracts/job.js';
import { nextHeadroom, noCapture, type HeadroomChange } from './job-headroom.js';
import { quick } from './activity-options.js';
import { HEALTH, HealthKey } from './search-attributes.js';

/** A check is read-only and repeated anyway: a failing one is logged, never retried for long. */
const checking = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumAttempts: 2 },
});

/** What the health watch reads of its job. */
export interface HealthHost {
  readonly jobId: string;
  state(): JobState;
  /** True while the follow runs (the only time headroom is measured). */
  following(): boolean;
  threshold(): number;
}

export class JobHealth {
  window: JobWindow | undefined;
  headroom: JobHeadroom | undefined;
  /** Bumped on every change that makes the last check stale; a check begun before it is discarded. */
  private epoch = 0;

  constructor(
    private readonly host: HealthHost,
    private readonly intervalSeconds: number,
    carried: { window?: JobWindow; headroom?: JobHeadroom },
  ) {
    this.window = carried.window;
    this.headroom = carried.headroom;
  }

  /** Something changed (a transition, a snapshot): check again now. */
  poke(): void {
    this.epoch += 1;
  }

  /** Terminate: the window and the headroom are gone with the job's data. */
  clear(): void {
    this.window = undefined;
    this.headroom = undefined;
    this.publish();
    this.poke();
  }

  /** Runs for the life of this run (continue-as-new abandons it; the next run starts its own). */
  async run(): Promise<never> {
    for (;;) {
      await condition(() => this.host.state() !== 'Inactive');
      const seen = this.epoch;
      await this.check(seen);
      const changed = () => this.epoch !== seen;
      // Only capture moves the window's end and the headroom; otherwise a transition or a snapshot pokes.
      if (this.host.following()) await condition(changed, `${this.intervalSeconds}s`);
      else await condition(changed);
    }
  }

  /** `job update` changed the threshold: the last reading is judged against it at once. */
  async rejudge(): Promise<void> {
    if (this.headroom === undefined) return;
    await this.apply(nextHeadroom(this.headroom, { seconds: this.headroom.seconds, thresholdSeconds: this.host.threshold(), at: new Date().toISOString() }));
  }

  private async check(epoch: number): Promise<void> {
    const following = this.host.following();
    let report: JobHealthReport;
    try {
      report = await checking.checkJobHealth({ jobId: this.host.jobId, following });
    } catch (err) {
      log.warn('job health check failed; the last reading stands', { jobId: this.host.jobId, error: String(err) });
      return;
    }
    if (epoch !== this.epoch) return; // read before a transition or a terminate: stale
    this.window = report.window;
    if (!following) return this.apply(noCapture(this.headroom));
    if (report.headroomSeconds === undefined) return;
    await this.apply(nextHeadroom(this.headroom, { seconds: report.headroomSeconds, thresholdSeconds: this.host.threshold(), at: report.window.checkedAt }));
  }

  private async apply(change: HeadroomChange): Promise<void> {
    this.headroom = change.headroom;
    this.publish();
    if (change.event === undefined) return;
    (change.event.kind === 'headroom low' ? log.warn : log.info)(change.event.message, { jobId: this.host.jobId });
    await quick.recordJobEvent({
      jobId: this.host.jobId,
      kind: change.event.kind,
      message: change.event.message,
      details: change.headroom && { seconds: change.headroom.seconds, thresholdSeconds: change.headroom.thresholdSeconds },
    });
  }

  /**
   * Keeps `HeadwaterHealth` equal to the warning. Compared with the run's own attributes rather than the
   * last reading, so a run after continue-as-new (or one whose upsert was never made) sets it again.
   * patched(): a job started by an older worker replays its history without these upserts.
   */
  private publish(): void {
    if (!patched('health-search-attribute')) return;
    const health = this.headroom?.warning !== undefined ? HEALTH.headroomLow : HEALTH.ok;
    if (workflowInfo().typedSearchAttributes.get(HealthKey) === health) return;
    upsertSearchAttributes([{ key: HealthKey, value: health }]);
  }
}
