/**
 * renameCollection, within or across databases, with `dropTarget`. Replays converge: a rename whose
 * collection (by UUID) already carries the new name is skipped; a rename whose source no longer exists
 * was applied already; and a rename onto an existing target without dropTarget (which the source server
 * would have refused, so it only happens on a replay or when the copy phase read the target after the
 * rename) keeps the target, the newer of the two, and drops the source.
 */
import { BSON } from 'mongodb';
import type { CommandEntry } from '../entry.js';
import type { CommandOf } from './command-schemas.js';
import type { CommandContext, CommandOutcome } from './context.js';
import { nsName, TargetRefused, type TargetNs } from './target.js';

export async function applyRename(
  entry: CommandEntry,
  body: CommandOf<'renameCollection'>['body'],
  ctx: CommandContext,
): Promise<CommandOutcome> {
  const from = body.renameCollection;
  const to = body.to;
  if (ctx.uuids.alreadyApplied(entry.ui, entry.ts)) return 'applied';
  const source = ctx.map(from);
  const target = ctx.map(to);
  const dropTarget = body.dropTarget === true || body.dropTarget instanceof BSON.Binary;
  if (source === null && target === null) return 'filtered';
  if (target === null) {
    // The collection leaves the mapped namespaces: on the target it simply goes away.
    await ctx.target.dropCollection(source!);
  } else if (source === null) {
    await enterFromOutside(ctx, from, to, target);
  } else {
    await renameMapped(ctx, from, source, target, dropTarget);
  }
  ctx.uuids.named(entry.ui, to, entry.ts);
  if (body.dropTarget instanceof BSON.Binary) ctx.uuids.named(body.dropTarget, null, entry.ts);
  return 'applied';
}

async function renameMapped(
  ctx: CommandContext,
  from: string,
  source: TargetNs,
  target: TargetNs,
  dropTarget: boolean,
): Promise<void> {
  if (!(await ctx.target.collectionExists(source))) return;
  if (await ctx.target.collectionExists(target)) {
    if (!dropTarget) return ctx.target.dropCollection(source);
    await ctx.target.dropCollection(target);
  }
  try {
    await ctx.target.renameCollection(source, target);
  } catch (err) {
    if (!(err instanceof TargetRefused)) throw err;
    const error = `the target refused to rename '${nsName(source)}' to '${nsName(target)}': ${err.message}`;
    ctx.result.commandFailures.push({ ns: from, command: 'renameCollection', error });
    ctx.logger.warn({ error }, 'collection not renamed on the target');
  }
}

/** A collection renamed in from a namespace the mapping filters out: its documents were never captured. */
async function enterFromOutside(
  ctx: CommandContext,
  from: string,
  to: string,
  target: TargetNs,
): Promise<void> {
  await ctx.target.dropCollection(target);
  const error = `collection renamed from '${from}', which is filtered out: its documents are not on the target`;
  ctx.result.commandFailures.push({ ns: to, command: 'renameCollection', error });
  ctx.logger.warn({ ns: to, from }, error);
}
