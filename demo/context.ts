/**
 * What the demo's steps share: names, size, clients, the workload, and what the summary reports (the
 * time each step took, the capture and apply lag seen while the job ran, warnings).
 */
import type { MongoClient } from 'mongodb';
import type { Catalog } from '../src/catalog/catalog.js';
import type { HeadwaterClient } from '../src/client/headwater-client.js';
import type { JobStatus } from '../src/contracts/job.js';
import { FollowInput, type FollowStatus } from '../src/contracts/follow.js';
import type { DemoNames } from './names.js';
import type { DemoSize } from './options.js';
import type { Counts } from './sample-data.js';
import type { PhaseTime } from './sync-phases.js';
import type { Workload } from './workload.js';

export interface Lag { samples: number; maxCapture: number; maxApply: number; last?: FollowStatus }

export interface DemoContext {
  names: DemoNames;
  size: DemoSize;
  counts: Counts;
  signal: AbortSignal;
  hw: HeadwaterClient;
  source: MongoClient;
  head: MongoClient;
  catalog: Catalog;
  workload: Workload;
  timings: Array<[string, number]>;
  /** The initial sync's phases and how long each lasted (from its history). */
  phases: PhaseTime[];
  lag: Lag;
  warnings: string[];
}

export const say = (s: string) => console.log(s);

/** Prints a warning once per kind: a repeat that differs only in its figures is not printed again. */
export function warn(ctx: DemoContext, s: string): void {
  const kind = (w: string) => w.replace(/\d+(\.\d+)?/g, '#');
  if (ctx.warnings.some((w) => kind(w) === kind(s))) return;
  ctx.warnings.push(s);
  console.log(`  WARNING: ${s}`);
}

/** Runs a step, printing its title, and records how long it took. */
export async function step<T>(ctx: DemoContext, title: string, fn: () => Promise<T>): Promise<T> {
  say(`\n== ${title}`);
  const start = Date.now();
  try {
    return await fn();
  } finally {
    ctx.timings.push([title, Date.now() - start]);
  }
}

/** Records the follow's lag from a status the demo read anyway. */
export function noteLag(ctx: DemoContext, f: FollowStatus | undefined): void {
  if (f === undefined) return;
  ctx.lag.samples += 1;
  ctx.lag.maxCapture = Math.max(ctx.lag.maxCapture, f.captureLagSeconds);
  ctx.lag.maxApply = Math.max(ctx.lag.maxApply, f.applyLagSeconds);
  ctx.lag.last = f;
  // Apply that cannot keep up is reported as it happens, once, not discovered as a wait that never ends.
  if (f.applyLagSeconds > APPLY_LAG_WARN_SECONDS && !ctx.warnings.some((w) => w.startsWith('apply is behind'))) {
    warn(ctx, `apply is behind: the head trails the captured oplog by ${f.applyLagSeconds.toFixed(0)} s (captured through ${f.capturedThrough}, applied through ${f.appliedThrough})`);
  }
  for (const w of f.warnings) warn(ctx, w);
}

/**
 * The follow learns what a capture call took only when the call returns (the product's default length,
 * read from its contract), and applies it then: the head moves about once per call, so an apply lag of
 * one call plus the apply itself is its steady state, not falling behind. Beyond that it is reported.
 */
export const CAPTURE_CALL_SECONDS = FollowInput.shape.captureSeconds.parse(undefined);
const APPLY_LAG_WARN_SECONDS = CAPTURE_CALL_SECONDS + 30;

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What stops a job from following (a resync needed, a stop, a failure), or undefined while it follows. */
export function jobTrouble(s: JobStatus | undefined): string | undefined {
  if (s === undefined) return undefined;
  if (s.resyncRequired !== undefined) return `the job needs a resync: ${s.resyncRequired.message}`;
  if (s.state !== 'Active') return `the job is ${s.state} (${s.phase})${s.lastError ? `, last error ${s.lastError.type}: ${s.lastError.message}` : ''}`;
  return undefined;
}
