/**
 * What command handlers work with: the target, the namespace mapping, the UUID history and the result
 * being built (where refusals are reported, so that none is silent).
 */
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
