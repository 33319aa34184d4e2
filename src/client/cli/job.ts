/**
 * `headwater job create|list|show|start|stop|restart|terminate|resync|update|check`. Talks to Temporal through the
 * client; `check` too, run by a worker (the only one holding the catalog's and stores' connections). Exit codes scripts can rely on: 0 done, 1 failed, 2 refused input (a bad
 * argument, an unknown job, or a command the job's state does not allow, named with the allowed ones).
 */
import type { Command } from 'commander';
import type { JobCommand, JobDefinitionInput } from '../../contracts/job.js';
import { HeadwaterError } from '../../errors/domain-errors.js';
import { REFUSAL_TYPES } from '../../errors/exit-codes.js';
import { describeObjects } from '../../oplog/verify-slices.js';
import { print, withClient } from './context.js';
import { jobReport, jobTable } from './job-format.js';

export class Refused extends Error {}

/** Runs a command body and sets the exit code: 2 for a refusal, 1 for a failure. */
async function guarded(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const refused = err instanceof Refused || (err instanceof HeadwaterError && REFUSAL_TYPES.has(err.type));
    console.error(`headwater: ${(err as Error).message}`);
    process.exitCode = refused ? 2 : 1;
  }
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

/** The job definition from `job create`'s options; absent options take the schema's defaults. */
function definitionOf(jobId: string, o: Record<string, string | string[] | undefined>): JobDefinitionInput {
  const keep = strip({ hourly: num(o.keepHourly as string), daily: num(o.keepDaily as string), weekly: num(o.keepWeekly as string), monthly: num(o.keepMonthly as string) });
  // Only what was given: the job's defaults (Ops Manager's) fill the rest.
  const retention = strip({ intervalHours: num(o.intervalHours as string), pointInTimeHours: num(o.windowHours as string), keep });
  return strip({
    jobId,
    source: o.source as string,
    head: o.head as string | undefined,
    filter: { include: (o.include as string[]) ?? [], exclude: (o.exclude as string[]) ?? [] },
    retention,
    store: o.store as string | undefined,
    compression: o.compression as never,
    encryptionKeyId: o.keyId as string | undefined,
    readPreference: readPreferenceOf(o.readPreference as string | undefined, o.readTags as string | undefined),
    resyncPolicy: o.resyncPolicy as never,
    headroomWarnSeconds: num(o.headroomWarnSeconds as string),
  }) as JobDefinitionInput;
}

/** `--read-preference` and `--read-tags` (a JSON array of tag sets); neither: the job reads secondaryPreferred. */
function readPreferenceOf(mode: string | undefined, tags: string | undefined): JobDefinitionInput['readPreference'] {
  if (mode === undefined && tags === undefined) return undefined;
  let tagSets: unknown;
  try {
    tagSets = tags === undefined ? undefined : JSON.parse(tags);
  } catch {
    throw new Refused(`invalid --read-tags '${tags}': expected a JSON array of tag sets, e.g. '[{"dc":"east"},{}]'`);
  }
  return { mode, tags: tagSets } as JobDefinitionInput['readPreference'];
}

/** Drops absent options, so that the schema's defaults apply to them. */
function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('backup jobs: one Temporal workflow per job, with Ops Manager states');
  // Argument errors are refusals (2); help is not an error.
  job.exitOverride((err) => process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2));

  job
    .command('create <jobId>')
    .description('define a job (Inactive until started); defaults: snapshot every 6 h, keep 48 hourly, 7 daily, 4 weekly, 12 monthly, 24 h window')
    .requiredOption('--source <connection>', 'connection id of the source replica set')
    .option('--head <connection>', 'connection id of the head database')
    .option('--include <ns...>', 'namespaces to back up (db, db.coll, wildcards)')
    .option('--exclude <ns...>', 'namespaces to leave out')
    .option('--interval-hours <h>', 'hours between snapshots')
    .option('--keep-hourly <n>').option('--keep-daily <n>').option('--keep-weekly <n>').option('--keep-monthly <n>')
    .option('--window-hours <h>', 'point-in-time window (oplog kept), in hours')
    .option('--store <id>', 'snapshot store id')
    .option('--compression <c>', 'zstd, gzip or none')
    .option('--key-id <id>', 'encrypt snapshots with this key (HEADWATER_KEY_<ID> in the worker)')
    .option('--read-preference <mode>', "member each sync chooses and reads alone: primary, primaryPreferred, secondary, secondaryPreferred or nearest (default secondaryPreferred)")
    .option('--read-tags <json>', 'tag sets choosing that member, tried in order, e.g. \'[{"dc":"east"},{}]\'')
    .option('--resync-policy <p>', 'manual or auto')
    .option('--headroom-warn-seconds <s>', 'warn when the oplog headroom falls below this')
    .option('--json', 'print JSON')
    .action((jobId: string, o) =>
      guarded(() =>
        withClient(async (client) => {
          const view = await client.jobs.createJob(definitionOf(jobId, o));
          print(view, o.json, () => `created job ${jobId} (${view.state}); start it with 'headwater job start ${jobId}'`);
        }),
      ),
    );

  job
    .command('list')
    .option('--json', 'print JSON')
    .action((o) =>
      guarded(() =>
        withClient(async (client) => {
          const jobs = await client.jobs.listJobs();
          print(jobs, o.json, () => jobTable(jobs));
        }),
      ),
    );

  job
    .command('show <jobId>')
    .description('state, phase, sync progress, lag, headroom and its warning, last snapshot, point-in-time window, Schedules')
    .option('--json', 'print JSON')
    .action((jobId: string, o) => guarded(() => withClient(async (client) => {
      const s = await client.jobs.jobStatus(jobId);
      print(s, o.json, () => jobReport(s));
    })));

  const commands: Array<[JobCommand, string]> = [
    ['start', 'Inactive -> initial sync -> Active'],
    ['stop', 'Active (or initial sync) -> Stopped: no capture, no apply, snapshots kept, Schedules paused'],
    ['restart', 'Stopped -> a new initial sync -> Active'],
    ['resync', 'Active -> a new initial sync -> Active (after "backup requires a resync")'],
    ['terminate', 'Stopped -> Inactive: deletes every snapshot, slice, head database and Schedule of the job'],
  ];
  for (const [command, description] of commands) {
    const c = job
      .command(`${command} <jobId>`)
      .description(description)
      .option('--reason <text>', 'recorded in the job event log')
      .option('--request-id <id>', 'idempotency key: repeating the command with it replies as the first time, doing nothing again')
      .option('--json', 'print JSON');
    if (command === 'terminate') c.option('--yes', 'confirm: every retained snapshot of the job is deleted');
    c.action((jobId: string, o) =>
      guarded(async () => {
        if (command === 'terminate' && !o.yes) throw new Refused(`terminate deletes every snapshot of job '${jobId}': repeat with --yes`);
        await withClient(async (client) => {
          const view = await client.jobs.command(jobId, command, o.reason, o.requestId);
          print(view, o.json, () => `job ${jobId}: ${view.state}${view.syncNumber ? ` (initial sync ${view.syncNumber})` : ''}`);
        });
      }),
    );
  }

  job
    .command('update <jobId>')
    .description('change the snapshot interval, retention, window, resync policy or headroom threshold, in any state')
    .option('--interval-hours <h>', 'hours between snapshots')
    .option('--keep-hourly <n>').option('--keep-daily <n>').option('--keep-weekly <n>').option('--keep-monthly <n>')
    .option('--window-hours <h>', 'point-in-time window, in hours')
    .option('--resync-policy <p>', 'manual or auto')
    .option('--headroom-warn-seconds <s>', "warn when the oplog headroom falls below this (judged again at once)")
    .option('--reason <text>', 'recorded in the job event log')
    .option('--json', 'print JSON')
    .action((jobId: string, o) =>
      guarded(() =>
        withClient(async (client) => {
          const keep = strip({ hourly: num(o.keepHourly), daily: num(o.keepDaily), weekly: num(o.keepWeekly), monthly: num(o.keepMonthly) });
          const changes = strip({
            intervalHours: num(o.intervalHours),
            pointInTimeHours: num(o.windowHours),
            keep: Object.keys(keep).length > 0 ? keep : undefined,
            resyncPolicy: o.resyncPolicy,
            headroomWarnSeconds: num(o.headroomWarnSeconds),
          });
          const view = await client.jobs.updateJob(jobId, changes, o.reason);
          const r = view.definition.retention;
          print(view, o.json, () => `job ${jobId} updated: snapshots every ${r.intervalHours} h, window ${r.pointInTimeHours} h, keep ${JSON.stringify(r.keep)}`);
        }),
      ),
    );

  job
    .command('check <jobId>')
    .description('check that the captured oplog slices are continuous from the sync start')
    .option('--sync-number <n>', "the initial sync to check from (default: the job's current one)")
    .option('--deep', 'also re-read every oplog slice, snapshot manifest and chunk the snapshots reference, naming each damaged or missing one')
    .option('--json', 'print JSON')
    .action((jobId: string, o) =>
      guarded(() =>
        withClient(async (client) => {
          // A worker reads the catalog and the stores: the CLI needs only Temporal.
          const syncNumber = o.syncNumber === undefined ? undefined : Number(o.syncNumber);
          const { coverage: r, objects: d } = await client.jobs.verifyJob(jobId, { syncNumber, deep: o.deep === true });
          print(r, o.json, () =>
            r.ok
              ? `ok: ${r.slices} slices cover ${r.from} to ${r.through} without holes or overlaps`
              : [
                  `NOT CONTINUOUS: ${r.holes.length} holes, ${r.overlaps.length} overlaps`,
                  ...r.holes.map((h) => `  hole after ${h.after} before ${h.before} (slice ${h.slice})`),
                  ...r.overlaps.map((v) => `  overlap: ${v.slice} repeats entries of ${v.previous}`),
                ].join('\n'),
          );
          // A damaged chain is a failed check (1), not refused input (2).
          if (!r.ok) process.exitCode = 1;
          if (d !== undefined) {
            print(d, o.json, () => describeObjects(d));
            if (!d.ok) process.exitCode = 1;
          }
        }),
      ),
    );
}
