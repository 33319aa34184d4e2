/**
 * The backup job (`job/<jobId>`): one entity workflow per job, with Ops Manager's states. Handlers are
 * registered first: a status query, one update per command (start, stop, restart, terminate, resync) whose
 * synchronous validator refuses an illegal transition before anything reaches history, `updateJob`
 * (schedule, retention, window), and a signal from
 * scheduled snapshots. The state and its work live in JobRunner; this file waits and, when Temporal
 * suggests it (or a test's small threshold is passed), continues-as-new with the whole state.
 */
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { BackupJobInput, JOB_COMMANDS, type JobCommand } from '../contracts/job.js';
import { JobRunner } from './job-runner.js';
import { jobCommandUpdates, jobStatusQuery, snapshotTakenSignal, updateJobUpdate } from './messages.js';

export async function backupJob(input: BackupJobInput): Promise<never> {
  const p = BackupJobInput.parse(input);
  const job = new JobRunner(p);

  setHandler(jobStatusQuery, () => job.view());
  for (const command of JOB_COMMANDS as readonly JobCommand[]) {
    setHandler(jobCommandUpdates[command], (req) => job.command(command, req), {
      validator: (req) => job.validate(command, req),
    });
  }
  setHandler(updateJobUpdate, (req) => job.update(req), { validator: (req) => job.validateUpdate(req) });
  setHandler(snapshotTakenSignal, (s) => job.snapshotTaken(s));

  await job.begin();
  const historyFull = () =>
    workflowInfo().continueAsNewSuggested ||
    (p.continueAsNewAfterEvents !== undefined && workflowInfo().historyLength >= p.continueAsNewAfterEvents);
  // Checked again right before carrying the state: a condition met in one activation lets the job's own
  // work run on (a follow's end taking the lock to enter "resync required") before this continues, and
  // a run continued then lost that work's activity and its follow watch.
  do {
    await condition(() => historyFull() && job.atRest());
    await condition(allHandlersFinished);
  } while (!job.atRest());
  return continueAsNew<typeof backupJob>(job.carry());
}
