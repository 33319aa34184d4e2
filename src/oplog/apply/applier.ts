/**
 * The applier's loop, over any ApplyTarget. Entries are validated first (an unknown shape fails before
 * anything is written), then applied in order: CRUD operations gather into a run; a command is a barrier
 * that flushes the run (per namespace, at most one read and a few write commands), then runs.
 * Transactions release their operations only when they commit. Idempotent: replaying entries converges
 * on the same target. State that outlives one call (open transactions, collection UUIDs) is readable with
 * `state()`.
 */
import type { Document, Timestamp } from 'mongodb';
import { pino, type Logger } from 'pino';
import { decodeOrdered } from '../../lib/bson.js';
import { commandOf, parseOplogEntry, type CommandEntry, type CrudEntry, type OplogEntry } from '../entry.js';
import { TransactionBuffer, type PendingTransaction, type ReleasedOp } from './apply-ops.js';
import { CollectionUuids } from './collection-uuids.js';
import { applyCommand } from './command.js';
import type { CommandOf } from './command-schemas.js';
import type { CommandContext } from './context.js';
import { absentAsMissing, CrudRun, idsToLoad, planNamespace } from './planner.js';
import { emptyResult, type ApplierState, type ApplyResult } from './result.js';
import type { ApplyTarget, TargetNs } from './target.js';

type TransactionCommand =
  CommandOf<'applyOps'> | CommandOf<'commitTransaction'> | CommandOf<'abortTransaction'>;

export interface ApplierOptions {
  /**
   * Where a source namespace ("db.coll") lands on the target, or null to skip its entries. It is also
   * asked for "<db>.$cmd" to name the target database of database-wide commands (dropDatabase).
   */
  mapNamespace: (ns: string) => TargetNs | null;
  logger?: Logger;
  /** State from an earlier applier's `state()`, to continue its open transactions. */
  state?: ApplierState;
  /** A run is flushed once it holds this many operations, to bound memory (default 50,000). */
  maxRunOps?: number;
}

export class Applier {
  private readonly transactions: TransactionBuffer;
  private readonly uuids: CollectionUuids;
  private readonly logger: Logger;

  constructor(
    private readonly target: ApplyTarget,
    private readonly opts: ApplierOptions,
  ) {
    this.transactions = new TransactionBuffer(opts.state?.pendingTransactions);
    this.uuids = new CollectionUuids(opts.state?.collectionUuids);
    this.logger = opts.logger ?? pino({ level: 'silent' });
  }

  /**
   * Applies oplog entries in order: raw BSON (best: every document keeps its field order byte for byte)
   * or decoded (`decodeOrdered` keeps field order; `decodeRaw` moves integer-like names such as "2023"
   * ahead of the others, and the head then holds them in that order).
   * @throws UnknownOplogEntry before writing anything when an entry's shape is unknown
   * @throws IncompleteTransaction when a transaction commits without its earlier entries
   */
  async apply(entries: Array<Document | Uint8Array>): Promise<ApplyResult> {
    const parsed = entries.map((e) => parseOplogEntry(e instanceof Uint8Array ? decodeOrdered(e) : e));
    const result = emptyResult();
    const ctx: CommandContext = {
      target: this.target,
      map: this.opts.mapNamespace,
      uuids: this.uuids,
      result,
      logger: this.logger,
    };
    const run = new CrudRun();
    for (const entry of parsed) await this.step(entry, entry.ts, run, ctx);
    await this.flush(run, result);
    return result;
  }

  /** Transactions begun but not yet committed or aborted (persist them with `state()` to resume elsewhere). */
  pendingTransactions(): PendingTransaction[] {
    return this.transactions.pending();
  }

  /** Everything this applier carries between `apply` calls, for a caller that persists it. */
  state(): ApplierState {
    return { pendingTransactions: this.transactions.pending(), collectionUuids: this.uuids.state() };
  }

  private async step(
    entry: OplogEntry,
    ts: Timestamp | undefined,
    run: CrudRun,
    ctx: CommandContext,
  ): Promise<void> {
    if (entry.op === 'n') return;
    if (entry.op !== 'c') return this.addCrud(entry, ts, run, ctx.result);
    const command = commandOf(entry);
    if (
      command.name === 'applyOps' ||
      command.name === 'commitTransaction' ||
      command.name === 'abortTransaction'
    ) {
      // Nested operations have no time of their own: they take the time of the entry that released them.
      for (const r of this.release(entry, command))
        await this.step(
          parseOplogEntry(r.op.ts === undefined ? { ...r.op, ts: r.ts } : r.op),
          r.ts,
          run,
          ctx,
        );
      return;
    }
    await this.flush(run, ctx.result);
    const outcome = await applyCommand(entry, command, ctx);
    if (outcome === 'filtered') {
      ctx.result.filtered += 1;
    } else {
      ctx.result.applied += 1;
      ctx.result.commands += 1;
    }
  }

  /** The operations a transaction entry releases now (none while its transaction is open, or when aborted). */
  private release(entry: CommandEntry, command: TransactionCommand): ReleasedOp[] {
    if (command.name === 'applyOps') return this.transactions.applyOps(entry, command.body);
    if (command.name === 'commitTransaction') return this.transactions.commit(entry);
    this.transactions.abort(entry);
    return [];
  }

  private async addCrud(
    entry: CrudEntry,
    ts: Timestamp | undefined,
    run: CrudRun,
    result: ApplyResult,
  ): Promise<void> {
    const ns = this.uuids.route(entry.ns, entry.ui, ts);
    // Its collection was dropped later: a replayed operation the drop already undid.
    if (ns === null) return void (result.applied += 1);
    const target = this.opts.mapNamespace(ns);
    if (target === null) return void (result.filtered += 1);
    run.add({ entry, ns, target });
    result.applied += 1;
    if (run.size >= (this.opts.maxRunOps ?? 50_000)) await this.flush(run, result);
  }

  private async flush(run: CrudRun, result: ApplyResult): Promise<void> {
    for (const { target, ops } of run.take()) {
      const ids = idsToLoad(ops);
      const current = ids.length === 0 ? [] : await this.target.findByIds(target, ids);
      const plan = planNamespace(ops, current);
      result.missing.push(...plan.missing);
      if (plan.writes.length === 0) continue;
      const outcome = await this.target.writeDocuments(target, plan.writes);
      result.missing.push(...absentAsMissing(ops, outcome.absent));
    }
  }
}
