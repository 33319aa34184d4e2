// Human output of `headwater job`: a table of jobs, and one job's status as a short report.
import type { JobListing, JobStatus } from '../../contracts/job.js';

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

/** The member choice of the job's syncs, as `job show` prints it. */
function readsOf(p: JobStatus['definition']['readPreference']): string {
  if (p === undefined) return "reads with the connection's read preference";
  return `reads ${p.mode}${p.tags === undefined ? '' : ` tags ${JSON.stringify(p.tags)}`}`;
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
  if (s.consistentAt) lines.push(`  head consistent at ${s.consistentAt} after the sync`);
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
