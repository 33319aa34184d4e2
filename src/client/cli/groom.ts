/**
 * `headwater groom run|schedule|show|unschedule`: grooming a job's snapshots and oplog slices by its
 * retention policy, now or on the job's own Temporal Schedule (`job/<jobId>/groom`).
 */
import type { Command } from 'commander';
import { GroomEvery, RetentionPolicy, type GroomInput, type GroomResult, type GroomSchedule } from '../../contracts/snapshot.js';
import { InvalidConfig } from '../../errors/domain-errors.js';
import { print, withClient } from './context.js';

const groomOptions = (c: Command) =>
  c
    .option('--store <id>', 'snapshot store to sweep', 'default')
    .option(
      '--policy <json>',
      'retention policy as JSON, e.g. {"keep":{"daily":7},"pointInTimeHours":24}',
      policy,
      {},
    )
    .option('--json', 'print JSON');

/** The --policy option, parsed and checked against the retention schema before anything connects. */
function policy(json: string): GroomInput['policy'] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new InvalidConfig(`--policy is not JSON: ${(err as Error).message}`);
  }
  const parsed = RetentionPolicy.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new InvalidConfig(`invalid --policy: ${i.path.join('.') || '(root)'}: ${i.message.toLowerCase()}`);
  }
  return raw as GroomInput['policy'];
}

/** The --every option: whole minutes, hours or days. */
function every(value: string): string {
  const parsed = GroomEvery.safeParse(value);
  if (!parsed.success) throw new InvalidConfig(`invalid --every '${value}': ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

function describeResult(r: GroomResult): string {
  return [
    `kept ${r.expire.kept.length} snapshots, deleted ${r.expire.deleted.length}, deleted ${r.expire.slicesDeleted} oplog slices`,
    ...Object.entries(r.sweeps).map(
      ([s, w]) =>
        `store ${s}: ${w.status}${w.reason ? ` (${w.reason})` : ''}, ${w.chunksDeleted} chunks deleted, ${w.bytesFreed} bytes freed`,
    ),
  ].join('\n');
}

function describeSchedule(s: GroomSchedule): string {
  const hours = s.everyMs / 3_600_000;
  return [
    `${s.scheduleId}: every ${hours >= 1 ? `${hours}h` : `${s.everyMs / 60_000}m`}${s.paused ? ' (paused)' : ''}`,
    `next: ${s.nextRuns.map((d) => d.toISOString()).join(', ') || 'none'}`,
    ...s.recentRuns.map((r) => `ran: ${r.scheduledAt.toISOString()} ${r.workflowId}`),
  ].join('\n');
}

export function registerGroomCommands(program: Command): void {
  const groom = program
    .command('groom')
    .description("apply a job's retention policy and delete what no retained snapshot needs");
  groomOptions(groom.command('run <jobId>').description('groom now and wait for the result')).action(
    async (jobId: string, o) =>
      withClient(async (client) => {
        await client.startGroom({ jobId, store: o.store, policy: o.policy });
        const r = await client.groomResult(jobId);
        print(r, o.json, () => describeResult(r));
      }),
  );
  groomOptions(
    groom
      .command('schedule <jobId>')
      .description("create or change the job's groom Schedule")
      .requiredOption('--every <interval>', 'minutes, hours or days: 30m, 6h, 1d', every),
  ).action(async (jobId: string, o) =>
    withClient(async (client) => {
      const s = await client.scheduleGroom({
        jobId,
        store: o.store,
        policy: o.policy,
        every: o.every,
      });
      print(s, o.json, () => describeSchedule(s));
    }),
  );
  groom
    .command('show <jobId>')
    .description("the job's groom Schedule: interval, next and recent runs")
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) =>
      withClient(async (client) => {
        const s = await client.groomSchedule(jobId);
        print(s ?? null, o.json, () => (s ? describeSchedule(s) : `job ${jobId} has no groom schedule`));
      }),
    );
  groom
    .command('unschedule <jobId>')
    .description("delete the job's groom Schedule (a groom already running finishes)")
    .action(async (jobId: string) =>
      withClient(async (client) => {
        const existed = await client.unscheduleGroom(jobId);
        console.log(existed ? `deleted the groom schedule of ${jobId}` : `job ${jobId} had no groom schedule`);
      }),
    );
}
