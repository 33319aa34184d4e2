import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JOB_COMMANDS, JOB_STATES, type JobCommand, type JobMachineState, type JobState } from '../../src/contracts/job.js';
import { allowedCommands, applies, autoResyncDecision, onEvent, transition } from '../../src/workflows/job-machine.js';

const at = (state: JobState, syncNumber = 1): JobMachineState => ({ state, syncNumber });

/** Every legal move, from DESIGN.md's lifecycle table; everything else must be refused. */
const LEGAL: Record<JobState, Partial<Record<JobCommand, JobState>>> = {
  Inactive: { start: 'Initial Sync' },
  'Initial Sync': { stop: 'Stopped' },
  Active: { stop: 'Stopped', resync: 'Initial Sync' },
  Stopped: { restart: 'Initial Sync', terminate: 'Inactive' },
};

describe('job state machine', () => {
  for (const state of JOB_STATES) {
    for (const command of JOB_COMMANDS) {
      const want = LEGAL[state][command];
      if (want !== undefined) {
        it(`${command} moves a job that is ${state} to ${want}`, () => {
          const r = transition(at(state, 3), command);
          assert.ok(r.ok);
          assert.equal(r.next.state, want);
          assert.equal(r.next.syncNumber, want === 'Initial Sync' ? 4 : 3, 'only a new sync takes a new number');
        });
      } else {
        it(`refuses ${command} while ${state}, naming the state and the allowed commands`, () => {
          const before = at(state);
          const r = transition(before, command);
          assert.equal(r.ok, false);
          assert.ok(!r.ok);
          assert.equal(
            r.message,
            `cannot ${command} a job that is ${state}: allowed ${allowedCommands(before).length === 1 ? 'command is' : 'commands are'} ${allowedCommands(before).join(', ')}`,
          );
          assert.deepEqual(before, at(state), 'the state is unchanged');
        });
      }
    }
  }

  it('names the resync condition in a refusal', () => {
    const m = { ...at('Active'), resyncRequired: { message: 'gone', missingFrom: '10.1', oldestAvailable: '20.1' } };
    const r = transition(m, 'start');
    assert.ok(!r.ok);
    assert.equal(r.message, 'cannot start a job that is Active (backup requires a resync): allowed commands are stop, resync');
  });

  it('a rollover keeps the job Active with the missing range, stops apply, and a completed resync clears it', () => {
    const range = { message: 'backup requires a resync: ...', missingFrom: '10.1', oldestAvailable: '20.1' };
    const rolled = onEvent(at('Active', 2), { kind: 'rolledOver', range });
    assert.equal(rolled.state, 'Active');
    assert.deepEqual(rolled.resyncRequired, range);
    assert.equal(applies(rolled), false);
    const r = transition(rolled, 'resync');
    assert.ok(r.ok);
    assert.equal(r.next.state, 'Initial Sync');
    assert.equal(r.next.syncNumber, 3);
    const done = onEvent(r.next, { kind: 'syncCompleted' });
    assert.equal(done.state, 'Active');
    assert.equal(done.resyncRequired, undefined);
    assert.equal(applies(done), true);
  });

  it('a rollover found by an initial sync\'s capture makes the job Active with the missing range, waiting for resync', () => {
    const range = { message: 'backup requires a resync: ...', missingFrom: '10.1', oldestAvailable: '20.1' };
    const rolled = onEvent(at('Initial Sync', 2), { kind: 'rolledOver', range });
    assert.deepEqual(rolled, { state: 'Active', syncNumber: 2, resyncRequired: range });
    assert.equal(applies(rolled), false);
    assert.deepEqual(allowedCommands(rolled), ['stop', 'resync']);
    const r = transition(rolled, 'resync');
    assert.ok(r.ok);
    assert.deepEqual([r.next.state, r.next.syncNumber], ['Initial Sync', 3]);
    assert.equal(onEvent(r.next, { kind: 'syncCompleted' }).resyncRequired, undefined);
  });

  it('a failed sync or follow stops the job with the failure; terminate clears it', () => {
    const failure = { type: 'BadCredentials', message: 'authentication failed' };
    const s = onEvent(at('Initial Sync'), { kind: 'syncFailed', failure });
    assert.deepEqual(s, { state: 'Stopped', syncNumber: 1, lastError: failure });
    assert.equal(onEvent(at('Active'), { kind: 'followFailed', failure }).state, 'Stopped');
    const t = transition(s, 'terminate');
    assert.ok(t.ok);
    assert.deepEqual(t.next, { state: 'Inactive', syncNumber: 1, resyncRequired: undefined, lastError: undefined });
  });

  it('ignores events that cannot happen in the current state', () => {
    assert.deepEqual(onEvent(at('Stopped'), { kind: 'syncCompleted' }), at('Stopped'));
    assert.deepEqual(onEvent(at('Stopped'), { kind: 'rolledOver', range: { message: 'x' } }), at('Stopped'));
  });

  it('auto resyncs after a rollover, except when it ended the copy of a sync an auto resync started', () => {
    assert.deepEqual(autoResyncDecision({ policy: 'manual', duringSync: 1 }), { resync: false });
    assert.deepEqual(autoResyncDecision({ policy: 'auto' }), { resync: true }, 'found by the follow');
    assert.deepEqual(autoResyncDecision({ policy: 'auto', autoResyncSync: 2 }), { resync: true }, 'the follow of an auto resync');
    assert.deepEqual(autoResyncDecision({ policy: 'auto', duringSync: 1 }), { resync: true }, 'the first sync');
    assert.deepEqual(autoResyncDecision({ policy: 'auto', duringSync: 3, autoResyncSync: 2 }), { resync: true }, 'a sync the operator started');
    const loop = autoResyncDecision({ policy: 'auto', duringSync: 2, autoResyncSync: 2 });
    assert.equal(loop.resync, false);
    assert.match((loop as { withheld: string }).withheld, /^auto resync withheld: sync 2, itself an auto resync, rolled over before it completed.*headwater job resync/);
  });
});
