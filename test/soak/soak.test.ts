/**
 * The 5-minute soak (bench/soak.ts) as a test: its own services on free ports, a job under load and every
 * kind of fault, then restores to recorded moments. It runs as a child process exactly as
 * `npm run soak -- --minutes 5 --json` does, and its JSON line (DESIGN.md, "Benchmarks and soak") must
 * say nothing was lost, duplicated or left uncovered, at least five restores verified, and every fault
 * recovered from without a person. It takes 15-25 minutes on a loaded 2-core machine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { z } from 'zod';

const SoakLine = z.object({
  operations: z.number().int(),
  faults: z.record(z.string(), z.number().int()),
  recovered: z.number().int(),
  restoresVerified: z.number().int(),
  lost: z.number().int(),
  duplicated: z.number().int(),
  oplogHoles: z.number().int(),
  maxCaptureLagMs: z.number(),
});

/** Runs the soak to its end; resolves with its exit code and everything it printed. */
function runSoak(minutes: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'bench/soak.ts', '--minutes', String(minutes), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

describe('soak (5 minutes)', () => {
  it('loses, duplicates and leaves uncovered nothing under every fault, and verifies at least five restores', { timeout: 45 * 60_000 }, async () => {
    const { code, out } = await runSoak(5);
    const line = out.split('\n').filter((l) => l.startsWith('{"operations"')).at(-1);
    assert.ok(line !== undefined, `the soak printed no JSON line (exit ${code}):\n${out.slice(-6000)}`);
    const r = SoakLine.parse(JSON.parse(line));
    const why = `\n${out.slice(-4000)}`;
    assert.equal(r.lost, 0, `documents lost${why}`);
    assert.equal(r.duplicated, 0, `documents duplicated${why}`);
    assert.equal(r.oplogHoles, 0, `holes in the slice chain${why}`);
    assert.ok(r.restoresVerified >= 5, `only ${r.restoresVerified} restores verified${why}`);
    const injected = Object.values(r.faults).reduce((a, b) => a + b, 0);
    // Every kind at least once (the first round always runs whole), each recovered from by the job itself.
    for (const kind of ['workerKill', 'temporalRestart', 'sourceStop', 'headStop', 'minioStop', 'linkSlow', 'linkCut'])
      assert.ok((r.faults[kind] ?? 0) >= 1, `fault ${kind} never injected${why}`);
    assert.equal(r.recovered, injected, `recovered from ${r.recovered} of ${injected} faults${why}`);
    assert.ok(r.operations > 0, 'no write was acknowledged');
    assert.equal(code, 0, `the soak exited ${code}${why}`);
  });
});
