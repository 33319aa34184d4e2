/**
 * `headwater status [--watch] [--json]`: one screen for every running job (state, phase, capture and apply
 * lag, oplog headroom, last snapshot and its age, point-in-time window, store usage, warnings). `--watch`
 * redraws it every few seconds until Ctrl-C; on a pipe each refresh is printed after the last, never
 * cleared. `--json` prints the rows as one JSON array per refresh, for scripts.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { HeadwaterClient } from '../headwater-client.js';
import { table } from './job-format.js';
import { wholeNumber } from './options.js';
import { statusRows, type JobStatusRow } from './status-report.js';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('every job: state, phase, lag, oplog headroom, last snapshot, window, store usage, warnings')
    .option('--watch', 'refresh until Ctrl-C')
    .option('--interval <s>', 'seconds between refreshes with --watch', wholeNumber('--interval', { min: 1, max: 3600 }), 2)
    .option('--apply-lag-warn <s>', 'warn when the head is this many seconds behind the captured oplog', wholeNumber('--apply-lag-warn'), 180)
    .option('--json', 'print JSON')
    .action(async (o: { watch?: boolean; interval: number; applyLagWarn: number; json?: boolean }) => {
      const config = loadConfig();
      // Temporal only: the catalog's part of the screen is read by a worker (status-report.ts).
      const client = await HeadwaterClient.connect(config.temporal);
      const stopped = untilInterrupted();
      try {
        do {
          const rows = await statusRows(client.temporal, client.jobs, client.catalog, { applyLagWarnSeconds: o.applyLagWarn, taskQueue: config.temporal.taskQueue });
          render(rows, o.json === true, o.watch === true);
        } while (o.watch === true && !(await stopped.within(o.interval * 1000)));
      } finally {
        stopped.dispose();
        await client.close();
      }
    });
}

function render(rows: JobStatusRow[], json: boolean, watch: boolean): void {
  if (json) return console.log(JSON.stringify(rows));
  // A terminal is redrawn in place; a pipe gets each refresh in turn, plain.
  if (watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
  if (watch) console.log(`headwater status at ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} (Ctrl-C to stop)`);
  console.log(statusScreen(rows));
  if (watch && !process.stdout.isTTY) console.log('');
}

/** The screen: a table of jobs, then each job's window, store usage, warnings and unreadable parts. */
export function statusScreen(rows: JobStatusRow[]): string {
  if (rows.length === 0) return "no jobs (create one with 'headwater job create <jobId> --source <connection>')";
  const head = ['JOB', 'STATE', 'PHASE', 'CAPTURE LAG', 'APPLY LAG', 'OPLOG HEADROOM', 'LAST SNAPSHOT'];
  const lines = [
    table([
      head,
      ...rows.map((r) => [
        r.jobId,
        r.condition ? `${r.state} (${r.condition})` : r.state,
        r.phase,
        r.captureLagSeconds === undefined ? '-' : `${r.captureLagSeconds.toFixed(1)} s`,
        r.applyLagSeconds === undefined ? '-' : duration(r.applyLagSeconds),
        r.headroomSeconds === undefined ? '-' : r.headroomSeconds === null ? 'unknown' : duration(r.headroomSeconds),
        r.lastSnapshot === undefined ? 'none' : r.lastSnapshot.ageSeconds === undefined ? r.lastSnapshot.snapshotId : `${duration(r.lastSnapshot.ageSeconds)} ago`,
      ]),
    ]),
    '',
  ];
  for (const r of rows) lines.push(...details(r));
  return lines.join('\n').trimEnd();
}

function details(r: JobStatusRow): string[] {
  const out: string[] = [];
  if (r.window !== undefined) {
    out.push(`${r.jobId}: window ${r.window.length === 0 ? 'none (no snapshot yet)' : r.window.map((w) => `${w.firstSecond} to ${w.lastSecond}`).join(', ')}`);
  }
  if (r.store !== undefined) {
    const s = r.store;
    out.push(`${r.jobId}: store ${s.snapshots} snapshots, ${bytes(s.snapshotStoredBytes)} stored for ${bytes(s.dataBytes)} of data; ${s.slices} slices, ${bytes(s.sliceStoredBytes)}`);
  }
  for (const w of r.warnings) out.push(`${r.jobId}: WARNING ${w}`);
  for (const e of r.errors) out.push(`${r.jobId}: could not read ${e}`);
  return out;
}

/** 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h: two units at most. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i += 1) v /= 1024;
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Resolves `within(ms)` early, with true, once SIGINT or SIGTERM arrives (Ctrl-C ends --watch with exit 0). */
function untilInterrupted() {
  let interrupted = false;
  let wake: (() => void) | undefined;
  const on = () => {
    interrupted = true;
    wake?.();
  };
  process.on('SIGINT', on).on('SIGTERM', on);
  return {
    within: (ms: number) =>
      new Promise<boolean>((resolve) => {
        if (interrupted) return resolve(true);
        const t = setTimeout(() => resolve(interrupted), ms);
        wake = () => {
          clearTimeout(t);
          resolve(true);
        };
      }),
    dispose: () => {
      process.off('SIGINT', on).off('SIGTERM', on);
    },
  };
}
