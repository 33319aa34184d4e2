// Two halves of `npm test`'s timing report, so that drift in the suite's time is seen on every run.
//  - As a node:test reporter (`--test-reporter=./scripts/test-durations.mjs`): writes one JSON line per
//    finished test (not per suite) to its destination: file, name, duration in ms, passed or not.
//  - As a script (`node scripts/test-durations.mjs <file>...`): prints the ten slowest tests those files hold.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

export default async function* durations(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite' || data.file === undefined) continue;
    yield `${JSON.stringify({
      file: relative(process.cwd(), data.file),
      name: data.name,
      ms: Math.round(data.details?.duration_ms ?? 0),
      ok: event.type === 'test:pass',
    })}\n`;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = process.argv
    .slice(2)
    .flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line))
    .sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  console.log(`ten slowest of ${rows.length} tests (their durations sum to ${(total / 60000).toFixed(1)} min):`);
  for (const r of rows.slice(0, 10))
    console.log(`  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.ok ? '' : '[failed] '}${r.file}: ${r.name}`);
}
