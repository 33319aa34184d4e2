/**
 * The backup job's state machine, pure (no Temporal, no I/O): Ops Manager's states and the commands an
 * operator may give in each, plus the events the job's own work raises. It protects one invariant: a
 * command that is not allowed in the current state changes nothing and is refused with a message that
 * names the state and the commands that are allowed.
 */
import {
  RESYNC_REQUIRED,
  type JobCommand,
  type JobFailure,
  type JobMachineState,
  type JobState,
  type ResyncRequired,
} from '../contracts/job.js';

/** Operator commands allowed in each state (DESIGN.md "Backup job lifecycle"). */
const ALLOWED: Record<JobState, readonly JobCommand[]> = {
  Inactive: ['start'],
  'Initial Sync': ['stop'],
  Active: ['stop', 'resync'],
  Stopped: ['restart', 'terminate'],
};

/** What the job's own work reports: a sync ended, or the follow ended by itself. */
export type JobEvent =
  | { kind: 'syncCompleted' }
  | { kind: 'syncFailed'; failure: JobFailure }
  | { kind: 'rolledOver'; range: ResyncRequired }
  | { kind: 'followFailed'; failure: JobFailure };

export type TransitionResult = { ok: true; next: JobMachineState } | { ok: false; message: string };

export function allowedCommands(m: JobMachineState): JobCommand[] {
  return [...ALLOWED[m.state]];
}

/** The refusal every caller shows: names the command, the state (and condition) and what is allowed. */
export function illegalTransitionMessage(m: JobMachineState, command: JobCommand): string {
  const allowed = allowedCommands(m);
  const condition = m.resyncRequired === undefined ? '' : ` (${RESYNC_REQUIRED})`;
  return (
    `cannot ${command} a job that is ${m.state}${condition}: ` +
    `allowed ${allowed.length === 1 ? 'command is' : 'commands are'} ${allowed.join(', ')}`
  );
}

/** Applies an operator command; refuses it, changing nothing, when the state does not allow it. */
export function transition(m: JobMachineState, command: JobCommand): TransitionResult {
  if (!ALLOWED[m.state].includes(command)) return { ok: false, message: illegalTransitionMessage(m, command) };
  switch (command) {
    case 'start':
    case 'restart':
    case 'resync':
      // A new initial sync, numbered after every earlier one (its workflow id and head are new too).
      return { ok: true, next: { ...m, state: 'Initial Sync', syncNumber: m.syncNumber + 1, lastError: undefined } };
    case 'stop':
      return { ok: true, next: { ...m, state: 'Stopped' } };
    case 'terminate':
      // Snapshots, slices and heads are gone: nothing is left to resync from, and no error applies.
      return { ok: true, next: { ...m, state: 'Inactive', resyncRequired: undefined, lastError: undefined } };
  }
}

/** Applies an event of the job's own work. Events from a state they cannot happen in change nothing. */
export function onEvent(m: JobMachineState, e: JobEvent): JobMachineState {
  switch (e.kind) {
    case 'syncCompleted':
      return m.state === 'Initial Sync' ? { ...m, state: 'Active', resyncRequired: undefined, lastError: undefined } : m;
    case 'syncFailed':
      return m.state === 'Initial Sync' ? { ...m, state: 'Stopped', lastError: e.failure } : m;
    case 'rolledOver':
      // Not a state (Ops Manager): the job is Active, keeps its snapshots and waits for `resync`. The
      // capture of an initial sync finds a rollover as the follow's does: the sync is over, the job the same.
      return m.state === 'Active' || m.state === 'Initial Sync' ? { ...m, state: 'Active', resyncRequired: e.range } : m;
    case 'followFailed':
      return m.state === 'Active' ? { ...m, state: 'Stopped', lastError: e.failure } : m;
  }
}

/** Whether the job captures and applies the oplog in this state (Ops Manager's "apply oplogs" column). */
export function applies(m: JobMachineState): boolean {
  return m.state === 'Active' && m.resyncRequired === undefined;
}

/**
 * Whether resyncPolicy auto starts a resync after a rollover. Not when the rollover ended an initial sync
 * that an auto resync had itself started: the source's oplog cannot hold a whole sync, and another
 * resync would roll over the same way, in a loop that copies the source again and again. The job then
 * waits, as with the manual policy, until the oplog is enlarged and an operator resyncs.
 */
export function autoResyncDecision(o: {
  policy: 'manual' | 'auto';
  /** The sync whose initial copy the rollover ended; absent when the follow found it. */
  duringSync?: number;
  /** The sync the last auto resync started. */
  autoResyncSync?: number;
}): { resync: boolean; withheld?: string } {
  if (o.policy !== 'auto') return { resync: false };
  if (o.duringSync !== undefined && o.duringSync === o.autoResyncSync)
    return {
      resync: false,
      withheld:
        `auto resync withheld: sync ${o.duringSync}, itself an auto resync, rolled over before it completed, ` +
        'so the source oplog cannot hold a whole initial sync; enlarge it, then run `headwater job resync`',
    };
  return { resync: true };
}
