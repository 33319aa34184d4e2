/**
 * The result contract shared by every suite (DESIGN.md, "Benchmarks and soak"): figures, baselines
 * measured in the same run, ratios written so that greater than 1 means Headwater is better, and the
 * peak RSS of the process doing Headwater's work. Prints a readable table and the one JSON line.
 */
import type { Scale } from './scale.js';

export interface SuiteResult {
  figures: Record<string, number>;
  baselines: Record<string, number>;
  ratios: Record<string, number>;
  peakRssMiB: number;
  /** Lines for a person: what was measured and what could not be (never part of the JSON contract). */
  notes: string[];
}

export function printTable(suite: string, scale: Scale, r: SuiteResult, out: (line: string) => void = console.log): void {
  out(`\n${suite} (scale ${scale})`);
  const rows: Array<[string, string, number]> = [
    ...Object.entries(r.figures).map(([k, v]) => ['figure', k, v] as [string, string, number]),
    ...Object.entries(r.baselines).map(([k, v]) => ['baseline', k, v] as [string, string, number]),
    ...Object.entries(r.ratios).map(([k, v]) => ['ratio', k, v] as [string, string, number]),
    ['memory', 'peakRssMiB', r.peakRssMiB],
  ];
  const w = Math.max(...rows.map(([, k]) => k.length));
  for (const [kind, k, v] of rows) out(`  ${kind.padEnd(8)} ${k.padEnd(w)}  ${format(v)}`);
  for (const n of r.notes) out(`  note: ${n}`);
}

export function jsonLine(suite: string, scale: Scale, r: SuiteResult): string {
  const { figures, baselines, ratios, peakRssMiB } = r;
  return JSON.stringify({ suite, scale, figures, baselines, ratios, peakRssMiB });
}

function format(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

/** A progress line on stderr, so that a long run shows what it is doing without touching stdout's table. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
