/**
 * collMod: what is meaningful on the head is applied there (index hidden/TTL/unique changes, validation
 * rules, TTL and capped sizes); what only matters to the source's own machinery (change stream pre- and
 * post-images) is not. A change the target refuses is reported, an index change in indexFailures.
 */
import type { Document } from 'mongodb';
import { commandDb, type CommandEntry } from '../entry.js';
import type { CommandOf } from './command-schemas.js';
import { outcomeOf, routeCommand, type CommandContext, type CommandOutcome } from './context.js';
import { TargetRefused } from './target.js';
import { valueKey } from './values.js';

/** Options with no effect on the head's data or indexes. */
const SOURCE_ONLY = new Set([
  'collMod',
  'index',
  'changeStreamPreAndPostImages',
  'recordPreImages',
  'writeConcern',
  'dryRun',
]);

export async function applyCollMod(
  entry: CommandEntry,
  body: CommandOf<'collMod'>['body'],
  ctx: CommandContext,
): Promise<CommandOutcome> {
  const routed = routeCommand(ctx, `${commandDb(entry)}.${body.collMod}`, entry);
  if (typeof routed === 'string') return outcomeOf(routed);
  const { ns, target } = routed;
  if (body.index !== undefined) {
    try {
      await ctx.target.modifyIndex(target, body.index);
    } catch (err) {
      if (!(err instanceof TargetRefused)) throw err;
      const index = body.index.name ?? valueKey(body.index.keyPattern);
      ctx.result.indexFailures.push({
        ns,
        index,
        spec: body.index,
        error: `the target refused the index change: ${err.message}`,
      });
      ctx.logger.warn({ ns, index, error: err.message }, 'index change not applied to the target');
    }
  }
  const options: Document = Object.fromEntries(Object.entries(body).filter(([k]) => !SOURCE_ONLY.has(k)));
  if (Object.keys(options).length === 0) return 'applied';
  try {
    await ctx.target.modifyCollection(target, options);
  } catch (err) {
    if (!(err instanceof TargetRefused)) throw err;
    const error = `the target refused collection options ${Object.keys(options).join(', ')}: ${err.message}`;
    ctx.result.commandFailures.push({ ns, command: 'collMod', error });
    ctx.logger.warn({ ns, error }, 'collection options not applied to the target');
  }
  return 'applied';
}
