/**
 * The `headwater` command line. One file per command group; each parses its arguments, calls the client
 * or a domain module, and prints a result a person can read (or JSON with --json).
 */
import { Command } from 'commander';
import { configuredTemporalAddress } from '../../config/load.js';
import { describeError } from '../../errors/describe-error.js';
import { EXIT_REFUSED } from '../../errors/exit-codes.js';
import { registerCatalogCommands } from './catalog.js';
import { registerFollowCommands } from './follow.js';
import { registerGroomCommands } from './groom.js';
import { registerJobCommands } from './job.js';
import { registerRestoreCommands } from './restore.js';
import { registerSnapshotCommands } from './snapshot.js';
import { registerStatusCommand } from './status.js';
import { registerSyncCommands } from './sync.js';

const program = new Command('headwater')
  .description('continuous, point-in-time backup for MongoDB')
  .option('--debug', 'print the stack trace of an error (or set HEADWATER_DEBUG=1)')
  .showHelpAfterError()
  // Argument errors (commander has printed them) are refusals, exit 2; help is not an error.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_REFUSED));
registerSyncCommands(program);
registerFollowCommands(program);
registerJobCommands(program);
registerSnapshotCommands(program);
registerGroomCommands(program);
registerCatalogCommands(program);
registerRestoreCommands(program);
registerStatusCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const d = describeError(err, configuredTemporalAddress);
  console.error(`headwater: ${d.message}`);
  if (process.argv.includes('--debug') || process.env.HEADWATER_DEBUG === '1') console.error(err);
  process.exit(d.code);
});

