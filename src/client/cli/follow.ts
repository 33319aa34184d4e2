// `headwater follow start|status`: capture the oplog continuously and apply it to the head.
import type { Command } from 'commander';
import { print, withClient } from './context.js';
import { syncNumber } from './options.js';

export function registerFollowCommands(program: Command): void {
  const follow = program.command('follow').description('continuous oplog capture and head apply');
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
