// `headwater follow start|status`: capture the oplog and apply it to a head, by hand. Internal, as `sync` is:
// a job starts its follow itself from its sync's consistent point; hidden from the help.
import type { Command } from 'commander';
import { print, withClient } from './context.js';
import { syncNumber } from './options.js';

export function registerFollowCommands(program: Command): void {
  const follow = program
    .command('follow', { hidden: true })
    .description('internal: oplog capture and head apply by hand (a job runs its own; use `headwater job`)');
  follow
    .command('start <jobId>')
    .requiredOption('--source <connection>', 'connection id of the source')
    .requiredOption('--from <ts>', 'the timestamp the head is consistent at (from the initial sync)')
    .option('--sync-number <n>', 'the initial sync whose head to follow', syncNumber, 1)
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) =>
      withClient(async (client) => {
        const id = await client.startFollow({
          jobId,
          source: o.source,
          syncNumber: o.syncNumber as number,
          capturedThrough: o.from,
          appliedThrough: o.from,
        });
        print({ workflowId: id }, o.json, () => `started ${id}`);
      }),
    );
  follow
    .command('status <jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) =>
      withClient(async (client) => {
        const s = await client.followStatus(jobId);
        print(s, o.json, () =>
          [
            `captured through ${s.capturedThrough} (lag ${s.captureLagSeconds.toFixed(2)}s), applied through ${s.appliedThrough} (lag ${s.applyLagSeconds}s)`,
            `oplog headroom: ${s.headroomSeconds ?? 'unknown'}s`,
            ...s.warnings.map((w) => `warning: ${w}`),
          ].join('\n'),
        );
      }),
    );
}
