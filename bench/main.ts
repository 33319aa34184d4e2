/**
 * `npm run bench -- <suite> [--scale small|medium|large] [--json]`: runs one suite (or all), prints a
 * table and, with --json, ends with one JSON line per DESIGN.md's contract. A suite that is not built yet
 * says which issue it waits for and the run exits non-zero: no figure is ever invented.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runAbortCleanups } from './harness/cleanup.js';
import { sampleRss } from './harness/measure.js';
import { jsonLine, printTable, type SuiteResult } from './harness/report.js';
import { isScale, type Scale } from './harness/scale.js';

/** Overrides of the scale's oplog load, for a server that cannot sustain it (FerretDB). */
export interface SuiteOptions {
  scale: Scale;
  ops?: number;
  sliceAgeMs?: number;
}
type Suite = (opts: SuiteOptions) => Promise<Partial<SuiteResult> & Pick<SuiteResult, 'figures' | 'baselines' | 'ratios'>>;

class NotImplemented extends Error {}

const SUITES: Record<string, () => Promise<Suite>> = {
  'initial-sync': async () => (await import('./initial-sync.js')).benchInitialSync,
  oplog: async () => (await import('./oplog.js')).benchOplog,
  snapshot: async () => {
    // Written by the snapshot issue; a missing module means that issue has not landed.
    if (!existsSync(new URL('./snapshot.ts', import.meta.url))) throw new NotImplemented('not implemented yet: suite snapshot depends on issue 5');
    const mod = (await import(String(new URL('./snapshot.js', import.meta.url)))) as { benchSnapshot: Suite };
    return mod.benchSnapshot;
  },
  restore: async () => (await import('./restore.js')).benchRestore,
};

async function runSuite(name: string, opts: SuiteOptions): Promise<SuiteResult> {
  const rss = sampleRss();
  const bench = await SUITES[name]!();
  const res = await bench(opts);
  const sampled = rss.stop();
  // Suites that run Headwater in a worker process report that process's peak; others ran it in this one.
  return { notes: [], ...res, peakRssMiB: res.peakRssMiB ?? sampled };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { scale: { type: 'string', default: 'small' }, json: { type: 'boolean', default: false }, ops: { type: 'string' }, 'slice-age-ms': { type: 'string' } },
    allowPositionals: true,
  });
  const suite = positionals[0] ?? '';
  const ops = values.ops === undefined ? undefined : Number(values.ops);
  const sliceAgeMs = values['slice-age-ms'] === undefined ? undefined : Number(values['slice-age-ms']);
  const positive = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n > 0);
  if (!isScale(values.scale) || !(suite in SUITES || suite === 'all') || !positive(ops) || !positive(sliceAgeMs)) {
    console.error(
      `usage: npm run bench -- <${[...Object.keys(SUITES), 'all'].join('|')}> [--scale small|medium|large] [--json]\n` +
        '  oplog only: [--ops <operations/s>] [--slice-age-ms <ms>] (override the scale\'s load and the 1 s slice age)',
    );
    return 2;
  }
  const scale = values.scale;
  const names = suite === 'all' ? Object.keys(SUITES) : [suite];
  const results: Array<[string, SuiteResult]> = [];
  let failed = 0;
  for (const name of names) {
    try {
      const r = await runSuite(name, { scale, ops, sliceAgeMs });
      printTable(name, scale, r, (l) => console.log(l));
      results.push([name, r]);
    } catch (err) {
      failed += 1;
      console.error(err instanceof NotImplemented ? err.message : `suite ${name} failed: ${(err as Error).stack ?? String(err)}`);
    }
  }
  if (values.json && results.length > 0) console.log(suite === 'all' ? jsonLine('all', scale, merge(results)) : jsonLine(suite, scale, results[0]![1]));
  return failed > 0 ? 1 : 0;
}

/** `all` still ends with one object: each suite's keys prefixed with its name, the highest peak RSS. */
function merge(results: Array<[string, SuiteResult]>): SuiteResult {
  const out: SuiteResult = { figures: {}, baselines: {}, ratios: {}, peakRssMiB: 0, notes: [] };
  for (const [name, r] of results) {
    for (const k of ['figures', 'baselines', 'ratios'] as const) {
      for (const [key, v] of Object.entries(r[k])) out[k][`${name}.${key}`] = v;
    }
    out.peakRssMiB = Math.max(out.peakRssMiB, r.peakRssMiB);
  }
  return out;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up what the benchmark created`);
    void runAbortCleanups().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
