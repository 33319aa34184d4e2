// Human output of `headwater job`: a table of jobs, and one job's status as a short report.
import { DEFAULT_JOB_READ_PREFERENCE, type JobListing, type JobStatus } from '../../contracts/job.js';
import { headDbName } from '../../head/head-names.js';

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function jobTable(jobs: JobListing[]): string {
  if (jobs.length === 0) return 'no jobs';
  return table([['JOB', 'STATE', 'PHASE', 'SOURCE'], ...jobs.map((j) => [j.jobId, j.state, j.phase, j.source])]);
}

/** The point-in-time window as people read it: the first and last restorable second of each range. */
export function windowLine(w: NonNullable<JobStatus['window']>): string {
  if (w.ranges.length === 0) return `point-in-time window: none yet (no snapshot), as of ${w.checkedAt}`;
  const ranges = w.ranges.map((r) => `${r.firstSecond} to ${r.lastSecond}`).join(', ');
  return `point-in-time window: ${ranges} (${w.snapshots} snapshots), as of ${w.checkedAt}`;
}

/** A read preference as `job show` prints it: the mode, and the tag sets when there are any. */
function preference(p: NonNullable<JobStatus['definition']['readPreference']>): string {
  return `${p.mode}${p.tags === undefined ? '' : ` tags ${JSON.stringify(p.tags)}`}`;
}

/** The member choice of the job's syncs (a job that names none reads secondaryPreferred, not the connection's). */
function readsOf(p: JobStatus['definition']['readPreference']): string {
  return p === undefined ? `reads ${preference(DEFAULT_JOB_READ_PREFERENCE)} (default)` : `reads ${preference(p)}`;
}

/** The member the latest sync and its follow read, e.g. `sync 2 reads member db2:27017 (chosen by secondaryPreferred)`. */
export function memberLine(s: JobStatus): string | undefined {
  const r = s.syncSource;
  return r && `sync ${r.syncNumber} reads member ${r.member} (chosen by ${preference(r.readPreference)})`;
}

/** The head the job holds and, while a resync or restart builds its own beside it, which one that is. */
export function headLine(s: JobStatus): string | undefined {
  if (s.headSync === undefined) return s.consistentAt && `head consistent at ${s.consistentAt} after the sync`;
  const building = s.state === 'Initial Sync' && s.syncNumber !== s.headSync ? `; sync ${s.syncNumber} builds its head beside it` : '';
  return `head: sync ${s.headSync} (${headDbName(s.jobId, s.headSync, '*')}), consistent at ${s.consistentAt ?? '-'}${building}`;
}

export function jobReport(s: JobStatus): string {
  const d = s.definition;
  const lines = [
    `job ${s.jobId}: ${s.state}${s.condition ? ` (${s.condition})` : ''}, phase ${s.phase}, initial sync ${s.syncNumber}`,
    `  source ${d.source} (${readsOf(d.readPreference)}) -> head ${d.head}; store ${d.store} (${d.compression}${d.encryptionKeyId ? `, key ${d.encryptionKeyId}` : ''}); resync ${d.resyncPolicy}`,
    `  snapshots every ${d.retention.intervalHours} h; keep hourly ${d.retention.keep.hourly}, daily ${d.retention.keep.daily}, weekly ${d.retention.keep.weekly}, monthly ${d.retention.keep.monthly}; window ${d.retention.pointInTimeHours} h`,
    `  allowed commands: ${s.allowed.join(', ')}`,
  ];
  if (s.resyncRequired) lines.push(`  ${s.resyncRequired.message}`);
  if (s.lastError) lines.push(`  last error (${s.lastError.type}): ${s.lastError.message}`);
  if (s.sync) lines.push(`  initial sync: ${s.sync.phase}; t0 ${s.sync.t0 ?? '-'}; oplog captured through ${s.sync.oplog.capturedThrough ?? '-'}`);
  for (const line of [memberLine(s), headLine(s)]) if (line) lines.push(`  ${line}`);
  if (s.follow) {
    const f = s.follow;
    lines.push(`  captured through ${f.capturedThrough} (lag ${f.captureLagSeconds.toFixed(1)} s), applied through ${f.appliedThrough} (lag ${f.applyLagSeconds} s), oplog headroom ${f.headroomSeconds ?? 'unknown'} s`);
    for (const w of f.warnings.slice(-3)) lines.push(`  warning: ${w}`);
  }
  if (s.headroom?.warning) lines.push(`  WARNING since ${s.headroom.since}: ${s.headroom.warning}`);
  lines.push(s.lastSnapshot ? `  last snapshot ${s.lastSnapshot.snapshotId}, ${s.lastSnapshotAgeSeconds} s ago` : '  no snapshot yet');
  if (s.window) lines.push(`  ${windowLine(s.window)}`);
  for (const [name, sc] of Object.entries(s.schedules)) {
    if (sc) lines.push(`  ${name} schedule: every ${sc.everyMs / 60_000} min, ${sc.paused ? `paused (${sc.note})` : `next ${sc.nextRun?.toISOString() ?? '-'}`}`);
  }
  return lines.join('\n');
}
