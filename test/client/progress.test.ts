/**
 * The CLI's progress bar: drawn on a terminal, silent on a pipe (scripts and tests see only the result),
 * and the wait it decorates returns the workflow's result or its failure unchanged.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { phaseReading, progressBar, withProgress } from '../../src/client/cli/progress.js';

function stream(isTTY: boolean) {
  const s = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  let text = '';
  s.on('data', (b: Buffer) => (text += b.toString()));
  return { s, text: () => text };
}

describe('progress bars', () => {
  it('draws the phase and detail on a terminal, and nothing on a pipe or with --json', async () => {
    const readings = ['transferring', 'building', 'complete'];
    for (const [isTTY, json] of [[true, false], [false, false], [true, true]] as const) {
      const out = stream(isTTY);
      let i = 0;
      const done = new Promise<string>((resolve) => setTimeout(() => resolve('result'), 120));
      const r = await withProgress(
        progressBar('initial sync', { json, stream: out.s }),
        done,
        async () => readings[Math.min(i++, readings.length - 1)],
        (p) => phaseReading(['starting', 'transferring', 'building', 'complete'], p, 'x docs'),
        20,
      );
      assert.equal(r, 'result');
      if (isTTY && !json) {
        assert.match(out.text(), /initial sync \[.*\] \d+% \| (transferring|building|complete): x docs/);
      } else {
        assert.equal(out.text(), '', `quiet (isTTY ${isTTY}, json ${json})`);
      }
    }
  });

  it("passes the wait's failure through, and a failing probe does not fail the wait", async () => {
    const out = stream(true);
    const failing = withProgress(progressBar('restore', { stream: out.s }), Promise.reject(new Error('boom')), () => Promise.reject(new Error('no query yet')), () => phaseReading(['a'], 'a'), 10);
    await assert.rejects(failing, /boom/);
    const ok = await withProgress(progressBar('restore', { stream: out.s }), new Promise((r) => setTimeout(() => r(7), 50)), () => Promise.reject(new Error('not yet')), () => phaseReading(['a'], 'a'), 10);
    assert.equal(ok, 7);
  });

  it('reads a phase as a step of the phases, and an unknown phase as the first', () => {
    assert.deepEqual(phaseReading(['a', 'b', 'c'], 'b', 'half'), { value: 1, total: 2, label: 'b: half' });
    assert.deepEqual(phaseReading(['a', 'b', 'c'], 'zzz'), { value: 0, total: 2, label: 'zzz' });
  });
});
