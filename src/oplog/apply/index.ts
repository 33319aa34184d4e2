/**
 * The idempotent oplog applier on a MongoDB-wire target (the head, or a restore target): batched (per run
 * of CRUD operations between commands, at most one read and a few write commands per namespace, never a
 * round trip per operation) and convergent (replaying entries leaves the target as it was).
 */
import type { MongoClient } from 'mongodb';
import { Applier, type ApplierOptions } from './applier.js';
import { MongoTarget } from './mongo-target.js';

/**
 * Applies decoded oplog entries to a MongoDB or FerretDB target; see {@link Applier.apply}.
 *
 * Missing documents: an update never creates a document. A diff or $v:1 update of a document the target
 * lacks cannot be applied, and a full-replacement update of one is not upserted either (MongoDB's own
 * applier upserts in some modes): both are returned in `missing`, so that the initial sync's "fetching
 * missing documents" phase is the one place that brings absent documents in. The exception is an update
 * logged with `b: true` (alwaysUpsert) that carries the whole document: it is upserted.
 *
 * State across calls: open transactions (a transaction may span two slices) and the collection UUIDs
 * seen (so that a replay follows renames and drops) live in the instance; use one applier per stream.
 * A caller that must survive a restart persists `state()` (or at least `pendingTransactions()`) after
 * each `apply` and passes it back as `opts.state` to the next applier.
 */
export class OplogApplier extends Applier {
  constructor(client: MongoClient, opts: ApplierOptions) {
    super(new MongoTarget(client), opts);
  }
}

export { Applier, type ApplierOptions } from './applier.js';
export { PendingTransaction } from './apply-ops.js';
export { MemoryTarget } from './memory-target.js';
export { MongoTarget } from './mongo-target.js';
export { ApplierState, ApplyResult, CommandFailure, IndexFailure, MissingDocument } from './result.js';
export type { ApplyTarget, TargetNs } from './target.js';
export { applyToDocument } from './update.js';
