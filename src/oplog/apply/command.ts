/**
 * The commands (`c` entries) other than transactions: each is a barrier the applier reaches only after
 * flushing the CRUD before it. Handlers are idempotent (create of an existing collection, drop of a
 * missing one... succeed) and report what the target refuses instead of failing the whole apply.
 */
import type { Document } from 'mongodb';
import { commandDb, type Command, type CommandEntry } from '../entry.js';
import { applyCollMod } from './coll-mod.js';
import type { CommandOf, IndexSpec } from './command-schemas.js';
import { outcomeOf, routeCommand, type CommandContext, type CommandOutcome } from './context.js';
import { applyIndexBuild, buildIndex } from './index-build.js';
import { applyRename } from './rename.js';
import { TargetRefused } from './target.js';

export type NonTransactionCommand = Exclude<
  Command,
  { name: 'applyOps' | 'commitTransaction' | 'abortTransaction' }
>;

export async function applyCommand(
  entry: CommandEntry,
  command: NonTransactionCommand,
  ctx: CommandContext,
): Promise<CommandOutcome> {
  const db = commandDb(entry);
  switch (command.name) {
    case 'create':
      return create(entry, command.body, ctx);
    case 'drop':
      return drop(entry, `${db}.${command.body.drop}`, ctx);
    case 'renameCollection':
      return applyRename(entry, command.body, ctx);
    case 'dropDatabase':
      return dropDatabase(entry, db, ctx);
    case 'createIndexes':
      return createIndexes(entry, command.body, ctx);
    case 'dropIndexes':
      return dropIndexes(entry, command.body, ctx);
    case 'collMod':
      return applyCollMod(entry, command.body, ctx);
    case 'startIndexBuild':
    case 'commitIndexBuild':
    case 'abortIndexBuild':
      return applyIndexBuild(entry, command, ctx);
    case 'dbCheck':
      return 'applied';
  }
}

/** Options that only describe the source's catalog entry or its change streams. */
const NOT_OPTIONS = new Set([
  'create',
  'idIndex',
  'changeStreamPreAndPostImages',
  'recordPreImages',
  'writeConcern',
]);
/** Options that make the collection something else than a plain collection: never dropped on refusal. */
const KIND_OPTIONS = ['viewOn', 'pipeline', 'timeseries'];

async function create(
  entry: CommandEntry,
  body: CommandOf<'create'>['body'],
  ctx: CommandContext,
): Promise<CommandOutcome> {
  const ns = `${commandDb(entry)}.${body.create}`;
  if (ctx.uuids.alreadyApplied(entry.ui, entry.ts)) return 'applied';
  const target = ctx.map(ns);
  if (target === null) return 'filtered';
  const options: Document = Object.fromEntries(Object.entries(body).filter(([k]) => !NOT_OPTIONS.has(k)));
  try {
    await ctx.target.createCollection(target, options);
  } catch (err) {
    if (!(err instanceof TargetRefused)) throw err;
    const plain = !KIND_OPTIONS.some((k) => k in options);
    const error = `the target refused options ${Object.keys(options).join(', ')}${plain ? ' (created without them)' : ''}: ${err.message}`;
    ctx.result.commandFailures.push({ ns, command: 'create', error });
    ctx.logger.warn({ ns, error }, 'collection not created as the source has it');
    if (plain) await ctx.target.createCollection(target, {});
  }
  ctx.uuids.named(entry.ui, ns, entry.ts);
  return 'applied';
}

async function drop(entry: CommandEntry, ns: string, ctx: CommandContext): Promise<CommandOutcome> {
  if (ctx.uuids.alreadyApplied(entry.ui, entry.ts)) return 'applied';
  const target = ctx.map(ns);
  if (target === null) return 'filtered';
  await ctx.target.dropCollection(target);
  ctx.uuids.named(entry.ui, null, entry.ts);
  return 'applied';
}

/** `<db>.$cmd` is asked of the mapping to name the target database of a database-wide command. */
async function dropDatabase(entry: CommandEntry, db: string, ctx: CommandContext): Promise<CommandOutcome> {
  const target = ctx.map(`${db}.$cmd`);
  if (target === null) return 'filtered';
  await ctx.target.dropDatabase(target.db);
  ctx.uuids.droppedDatabase(db, entry.ts);
  return 'applied';
}

async function createIndexes(
  entry: CommandEntry,
  body: CommandOf<'createIndexes'>['body'],
  ctx: CommandContext,
): Promise<CommandOutcome> {
  const routed = routeCommand(ctx, `${commandDb(entry)}.${body.createIndexes}`, entry);
  if (typeof routed === 'string') return outcomeOf(routed);
  const { createIndexes: _coll, ...inline } = body;
  for (const spec of body.indexes ?? [inline as IndexSpec])
    await buildIndex(ctx, routed.ns, routed.target, spec);
  return 'applied';
}

async function dropIndexes(
  entry: CommandEntry,
  body: CommandOf<'dropIndexes'>['body'],
  ctx: CommandContext,
): Promise<CommandOutcome> {
  const routed = routeCommand(ctx, `${commandDb(entry)}.${body.dropIndexes}`, entry);
  if (typeof routed === 'string') return outcomeOf(routed);
  const index = body.index;
  await ctx.target.dropIndexes(
    routed.target,
    index === '*' ? '*' : typeof index === 'string' ? [index] : index,
  );
  return 'applied';
}
