/**
 * Index builds. Since 4.4 a build is logged as `startIndexBuild` and, once done, `commitIndexBuild` (or
 * `abortIndexBuild`); the head builds the indexes at commit, the moment they exist on the source, and
 * ignores start and abort. Like every command on a collection, a build follows the collection's UUID
 * (a later rename or drop). `buildIndex` is shared with `createIndexes`: an index the target cannot build,
 * or builds without some option, is reported in the result's indexFailures, and the applier goes on.
 */
import type { CommandEntry } from '../entry.js';
import { commandDb } from '../entry.js';
import type { CommandOf, IndexSpec } from './command-schemas.js';
import { outcomeOf, routeCommand, type CommandContext, type CommandOutcome } from './context.js';
import { TargetRefused, type TargetNs } from './target.js';

type IndexBuildCommand =
  CommandOf<'startIndexBuild'> | CommandOf<'commitIndexBuild'> | CommandOf<'abortIndexBuild'>;

export async function applyIndexBuild(
  entry: CommandEntry,
  command: IndexBuildCommand,
  ctx: CommandContext,
): Promise<CommandOutcome> {
  const b = command.body;
  const coll =
    'startIndexBuild' in b
      ? b.startIndexBuild
      : 'commitIndexBuild' in b
        ? b.commitIndexBuild
        : b.abortIndexBuild;
  const routed = routeCommand(ctx, `${commandDb(entry)}.${coll}`, entry);
  if (typeof routed === 'string') return outcomeOf(routed);
  if (command.name === 'commitIndexBuild')
    for (const spec of command.body.indexes) await buildIndex(ctx, routed.ns, routed.target, spec);
  return 'applied';
}

/** Builds one index on the target, reporting (not throwing) what the target refuses. */
export async function buildIndex(
  ctx: CommandContext,
  ns: string,
  target: TargetNs,
  spec: IndexSpec,
): Promise<void> {
  let error: string | undefined;
  try {
    const { droppedOptions } = await ctx.target.createIndex(target, spec);
    if (droppedOptions.length > 0)
      error = `the target built the index without option(s) ${droppedOptions.join(', ')}`;
  } catch (err) {
    if (!(err instanceof TargetRefused)) throw err;
    error = `the target refused the index: ${err.message}`;
  }
  if (error === undefined) return;
  ctx.result.indexFailures.push({ ns, index: spec.name, spec, error });
  ctx.logger.warn({ ns, index: spec.name, error }, 'index not built as the source has it');
}
