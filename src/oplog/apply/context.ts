/**
 * What command handlers work with: the target, the namespace mapping, the UUID history and the result
 * being built (where refusals are reported, so that none is silent).
 */
import type { BSON, Timestamp } from 'mongodb';
import type { Logger } from 'pino';
import type { CollectionUuids } from './collection-uuids.js';
import type { ApplyResult } from './result.js';
import type { ApplyTarget, TargetNs } from './target.js';

export interface CommandContext {
  target: ApplyTarget;
  /** Source namespace → target collection; null when filtered out. */
  map: (ns: string) => TargetNs | null;
  uuids: CollectionUuids;
  result: ApplyResult;
  logger: Logger;
}

/** What a handler did: applied it, or skipped it because the mapping filters its namespace out. */
export type CommandOutcome = 'applied' | 'filtered';

/** A command's collection as it is now: its source name and where it lands on the target. */
export interface RoutedCollection {
  ns: string;
  target: TargetNs;
}

/**
 * Where a command on the collection `ns` (an index build, dropIndexes, collMod) applies now. MongoDB
 * applies it by the collection's UUID (`ui`): a replayed command follows a later rename to the
 * collection's new name, and one whose collection a later entry dropped has nothing left to change
 * ('dropped'), so that it never recreates the collection as an empty stray.
 */
export function routeCommand(
  ctx: CommandContext,
  ns: string,
  entry: { ui?: BSON.Binary | undefined; ts?: Timestamp | undefined },
): RoutedCollection | 'dropped' | 'filtered' {
  const now = ctx.uuids.route(ns, entry.ui, entry.ts);
  if (now === null) return 'dropped';
  const target = ctx.map(now);
  return target === null ? 'filtered' : { ns: now, target };
}

/** The outcome of a command whose collection was dropped later (applied: the drop undid it) or is filtered out. */
export function outcomeOf(routed: 'dropped' | 'filtered'): CommandOutcome {
  return routed === 'dropped' ? 'applied' : 'filtered';
}
