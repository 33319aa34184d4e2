/**
 * What one `apply` call reports, and the applier state a caller may persist between processes. What the
 * target could not do is listed (never dropped silently): documents to fetch again, indexes it could not
 * build, command options it refused.
 */
import { z } from 'zod';
import { BsonDocument } from './values.js';
import { PendingTransaction } from './apply-ops.js';
import { CollectionUuidState } from './collection-uuids.js';

export const MissingDocument = z.object({ ns: z.string(), _id: z.unknown() });
export type MissingDocument = z.infer<typeof MissingDocument>;

export const IndexFailure = z.object({
  /** Source namespace of the index. */
  ns: z.string(),
  index: z.string(),
  spec: BsonDocument,
  /** The target's error, or which options it accepted but did not keep. */
  error: z.string(),
});
export type IndexFailure = z.infer<typeof IndexFailure>;

export const CommandFailure = z.object({ ns: z.string(), command: z.string(), error: z.string() });
export type CommandFailure = z.infer<typeof CommandFailure>;

export const ApplyResult = z.object({
  /** CRUD operations (transaction operations included) and commands applied. */
  applied: z.number().int(),
  /** Operations skipped because `mapNamespace` filtered their namespace out. */
  filtered: z.number().int(),
  /** Commands run (a subset of `applied`). */
  commands: z.number().int(),
  /** Updates of documents the target lacks, by source namespace: re-read them from the source. */
  missing: z.array(MissingDocument),
  indexFailures: z.array(IndexFailure),
  commandFailures: z.array(CommandFailure),
});
export type ApplyResult = z.infer<typeof ApplyResult>;

/** Everything an applier carries from one `apply` call to the next. */
export const ApplierState = z.object({
  pendingTransactions: z.array(PendingTransaction),
  collectionUuids: CollectionUuidState,
});
export type ApplierState = z.infer<typeof ApplierState>;

export function emptyResult(): ApplyResult {
  return { applied: 0, filtered: 0, commands: 0, missing: [], indexFailures: [], commandFailures: [] };
}
