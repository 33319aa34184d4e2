/**
 * The `headwater` command line. One file per command group; each parses its arguments, calls the client
 * or a domain module, and prints a result a person can read (or JSON with --json).
 */
import { Command } from 'commander';
import { registerCatalogCommands } from './catalog.js';
import { registerFollowCommands } from './follow.js';
import { registerGroomCommands } from './groom.js';
import { registerJobCommands } from './job.js';
import { registerRestoreCommands } from './restore.js';
import { registerSnapshotCommands } from './snapshot.js';
import { registerSyncCommands } from './sync.js';

const program = new Command('headwater')
  .description('continuous, point-in-time backup for MongoDB')
  .showHelpAfterError();
registerSyncCommands(program);
registerFollowCommands(program);
registerJobCommands(program);
registerSnapshotCommands(program);
registerGroomCommands(program);
registerCatalogCommands(program);
registerRestoreCommands(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`headwater: ${err.message}`);
  process.exit(1);
});
