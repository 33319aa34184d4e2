/**
 * The demo's last screen: how long each step took, the lag seen (capture lag is the RPO: how far the
 * durable oplog slices trailed the source), what the store holds against the data it protects (dedup
 * across snapshots and zstd), whether the restore was proven, and the Temporal UI page of every workflow
 * the run started (found by its own task queue).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotRecord } from '../src/catalog/snapshots.js';
import { CHUNKS_PREFIX } from '../src/store/layout.js';
import { CAPTURE_CALL_SECONDS, mb, say, secs, type DemoContext } from './context.js';
import { uiLink } from './names.js';
import type { RestoreOutcome } from './restore-step.js';

export interface Summary { ok: boolean; workflows: Array<{ workflowId: string; runId: string; status: string; url: string }> }

/** Files and bytes under a directory (0 when it does not exist). */
function dirUsage(dir: string): { files: number; bytes: number } {
  const u = { files: 0, bytes: 0 };
  if (!existsSync(dir)) return u;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    u.files += 1;
    u.bytes += statSync(join(e.parentPath, e.name)).size;
  }
  return u;
}

/**
 * Stored against protected bytes, measured on the store itself (chunks/ holds each distinct chunk once):
 * a snapshot's own count of the chunks it added is not used, because two snapshots of the same head
 * time (a trigger and a Schedule run at once) each count on their own and the later commit's count wins.
 */
export function storeLines(snapshots: SnapshotRecord[], storeDir: string): string[] {
  const logical = snapshots.reduce((n, s) => n + s.bytes, 0);
  const refs = snapshots.reduce((n, s) => n + s.chunks, 0);
  const chunks = dirUsage(join(storeDir, CHUNKS_PREFIX));
  return [
    `data: ${mb(snapshots.at(-1)!.bytes)} of BSON in ${snapshots.at(-1)!.documents} documents; ${snapshots.length} snapshots protect ${mb(logical)}`,
    `stored: ${mb(chunks.bytes)} of snapshot chunks, ${(logical / Math.max(1, chunks.bytes)).toFixed(1)}x less than the data (the snapshots refer to ${refs} chunks; the store holds ${chunks.files} chunk files, each stored once, compressed with zstd)`,
    `store on disk, oplog slices and manifests included: ${mb(dirUsage(storeDir).bytes)}`,
  ];
}

export async function summarize(ctx: DemoContext, o: { snapshots: SnapshotRecord[]; storeDir: string; restore: RestoreOutcome; totalMs: number }): Promise<Summary> {
  say('\n== Summary');
  say(`  total ${secs(o.totalMs)}`);
  for (const [title, ms] of ctx.timings) {
    say(`    ${secs(ms).padStart(8)}  ${title}`);
    if (title.includes('initial sync')) for (const p of ctx.phases.filter((x) => x.phase !== 'complete')) say(`    ${secs(p.ms).padStart(14)}  ${p.phase}`);
  }
  const w = ctx.workload.stats;
  say(`  writes while the job ran: ${w.inserts} inserts, ${w.updates} updates, ${w.replaces} replacements, ${w.deletes} deletes${w.errors > 0 ? `, ${w.errors} failed (last: ${w.lastError})` : ''}`);
  say(`  capture lag (RPO) seen: at most ${ctx.lag.maxCapture.toFixed(1)} s; the head's apply lag: at most ${ctx.lag.maxApply.toFixed(1)} s (${ctx.lag.samples} samples; the follow applies what a capture call of ${CAPTURE_CALL_SECONDS} s took when the call returns)`);
  for (const line of storeLines(o.snapshots, o.storeDir)) say(`  ${line}`);
  say(`  restore to the chosen second: ${o.restore.equal ? 'verified, equal to the source at that second' : `NOT verified (${o.restore.mismatched.join(', ') || 'its own check failed'})`}`);
  for (const warning of ctx.warnings) say(`  WARNING: ${warning}`);
  const workflows: Summary['workflows'] = [];
  for await (const x of ctx.hw.temporal.workflow.list({ query: `TaskQueue = '${ctx.names.taskQueue}'` })) {
    workflows.push({ workflowId: x.workflowId, runId: x.runId, status: x.status.name, url: uiLink(x.workflowId, x.runId) });
  }
  workflows.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  say(`  the workflows this run started, in the Temporal UI (search: HeadwaterJobId = '${ctx.names.jobId}'):`);
  // A Schedule's runs are named <id>-<time>: one line per Schedule (its last run), not one per run.
  const scheduled = (id: string) => /-\d{4}-\d\d-\d\dT[\d:]+Z$/.test(id);
  const bySchedule = new Map<string, Summary['workflows']>();
  for (const x of workflows.filter((w) => scheduled(w.workflowId))) {
    const id = x.workflowId.replace(/-\d{4}-\d\d-\d\dT[\d:]+Z$/, '');
    bySchedule.set(id, [...(bySchedule.get(id) ?? []), x]);
  }
  for (const x of workflows.filter((w) => !scheduled(w.workflowId))) say(`    ${x.status.padEnd(10)} ${x.url}`);
  for (const [id, runs] of bySchedule) say(`    ${String(runs.length).padStart(3)} runs of ${id} (Schedule), the last: ${runs.at(-1)!.url}`);
  return { ok: o.restore.equal, workflows };
}
