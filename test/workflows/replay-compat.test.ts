/**
 * Histories recorded by earlier workflow code replay on the current code: the initial sync's and the
 * follow's capture and apply loops (oplog-loops.ts) must keep their commands, their order, their timers
 * and their patched() markers, and send each activity the input it was recorded with, byte for byte (a
 * replay alone would not notice an input that lost `pollMs` or gained `headroomWarnSeconds`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import proto from '@temporalio/proto';
import { Worker, bundleWorkflowCode, type InjectedSinks } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/bundle.js';
import '../harness/temporal.js'; // the runtime's quiet logger
import type { ScheduledSinks } from './replay-inputs.js';

/**
 * Recorded from the tests they are named after (initial-sync-handover, follow-rollover,
 * snapshot-beside-follow) with `handle.fetchHistory()`, saved as the History message's own JSON. Common's
 * `historyToJSON`/`historyFromJSON` fail in this install (its protobufjs is another copy than
 * @temporalio/proto's: "type must be a Type"), so the files are read back with `History.fromObject`.
 */
const dir = new URL('../fixtures/histories/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
const { History } = proto.temporal.api.history.v1;
const quiet = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error: (m: string) => console.error(m),
};

/** Each scheduled activity's type and input payloads (JSON text), in history order. */
function recordedInputs(history: proto.temporal.api.history.v1.IHistory): { type: string; args: string[] }[] {
  return (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a) return [];
    const args = (a.input?.payloads ?? []).map((p) => Buffer.from(p.data ?? []).toString('utf8'));
    return [{ type: a.activityType?.name ?? '', args }];
  });
}

describe('recorded histories replay on the current workflow code', () => {
  let code: string;

  before(async () => {
    // The project's workflows with the interceptor that reports what they schedule.
    const interceptor = fileURLToPath(new URL('./replay-inputs.ts', import.meta.url));
    ({ code } = await bundleWorkflowCode({
      workflowsPath,
      workflowInterceptorModules: [interceptor],
      logger: quiet,
    }));
  });

  it('has histories of both workflows that ran both loops', () => {
    for (const wf of ['initial-sync', 'follow']) {
      const own = fixtures.filter((f) => f.startsWith(wf)).map((f) => readFileSync(new URL(f, dir), 'utf8'));
      assert.ok(
        own.some((h) => h.includes('"captureOplog"') && h.includes('"applyOplog"')),
        `no ${wf} history with both loops`,
      );
    }
  });

  for (const f of fixtures) {
    it(`replays ${f} with the same commands and activity inputs`, async () => {
      const history = History.fromObject(JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as object);
      const scheduled: { type: string; args: string[] }[] = [];
      // Array.from: the sandbox's arrays have another realm's prototype, which deepEqual would refuse.
      const sinks: InjectedSinks<ScheduledSinks> = {
        scheduled: {
          activity: {
            fn: (_info, type, args) => void scheduled.push({ type, args: Array.from(args) }),
            callDuringReplay: true,
          },
        },
      };
      // Rejects with DeterminismViolationError when a command differs from the recorded event.
      await Worker.runReplayHistory({ workflowBundle: { code }, sinks }, history, f);
      const recorded = recordedInputs(history);
      assert.ok(recorded.length > 0, `${f} schedules no activity`);
      // The last workflow task of a history that ended mid-task may schedule more than was recorded.
      assert.deepEqual(scheduled.slice(0, recorded.length), recorded);
    });
  }
});
