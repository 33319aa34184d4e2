/**
 * applyOps and transactions. A transaction reaches the oplog as one applyOps entry, or as a chain of
 * `partialTxn: true` applyOps entries (linked by `prevOpTime`, keyed by lsid + txnNumber) closed by a final
 * applyOps, or, when prepared, by a `prepare: true` applyOps and then `commitTransaction` (or
 * `abortTransaction`, which discards it). This buffer holds the open chains and releases a transaction's
 * operations, in order, only when it commits: never a part of one. A chain whose beginning was not seen
 * throws IncompleteTransaction. The buffer outlives one `apply` call (a transaction may span two slices);
 * `pending()` is its state for a caller that persists it across processes.
 */
import { Timestamp, type Document } from 'mongodb';
import { z } from 'zod';
import { IncompleteTransaction } from '../../errors/domain-errors.js';
import { tsToString } from '../../lib/bson.js';
import { quoteEntry, type CommandEntry } from '../entry.js';
import type { CommandOf } from './command-schemas.js';
import { BsonDocument, toNumber, valueKey } from './values.js';

export const PendingTransaction = z.object({
  /** lsid + txnNumber, as canonical EJSON. */
  key: z.string(),
  prepared: z.boolean(),
  /** The transaction's applyOps entries seen so far, in oplog order, as decoded documents. */
  entries: z.array(BsonDocument),
});
export type PendingTransaction = z.infer<typeof PendingTransaction>;

/** An operation released for application, with the time of the entry that carried it. */
export interface ReleasedOp {
  op: Document;
  ts: Timestamp | undefined;
}

export class TransactionBuffer {
  private readonly open = new Map<string, PendingTransaction>();

  constructor(state: PendingTransaction[] = []) {
    for (const t of state) this.open.set(t.key, PendingTransaction.parse(t));
  }

  /** The operations an applyOps entry releases now (none while its transaction is still open). */
  applyOps(entry: CommandEntry, body: CommandOf<'applyOps'>['body']): ReleasedOp[] {
    // Not a transaction: a plain applyOps, or one of a vectored insert's entries (applied separately).
    if (entry.lsid === undefined || entry.txnNumber === undefined || toNumber(entry.multiOpType) === 1) {
      return body.applyOps.map((op) => ({ op, ts: entry.ts }));
    }
    const key = transactionKey(entry);
    if (body.partialTxn === true || body.prepare === true) {
      const t = this.open.get(key) ?? { key, prepared: false, entries: [] };
      if (!t.entries.some((e) => sameTs(e.ts, entry.ts))) t.entries.push(entry);
      t.prepared = body.prepare === true;
      this.open.set(key, t);
      return [];
    }
    const entries = [...(this.open.get(key)?.entries ?? []), entry];
    this.open.delete(key);
    checkChain(entries, entry, body.count === undefined ? undefined : toNumber(body.count));
    return release(entries);
  }

  /** The operations of the prepared transaction this commitTransaction commits. */
  commit(entry: CommandEntry): ReleasedOp[] {
    const key = transactionKey(entry);
    const t = this.open.get(key);
    if (t === undefined || !t.prepared) {
      throw new IncompleteTransaction(
        `unable to commit transaction: its prepared entries were never seen: ${quoteEntry(entry)}`,
      );
    }
    this.open.delete(key);
    checkChain([...t.entries, entry], entry, undefined);
    return release(t.entries).map((r) => ({ op: r.op, ts: entry.ts }));
  }

  /** Discards an aborted transaction's operations. */
  abort(entry: CommandEntry): void {
    this.open.delete(transactionKey(entry));
  }

  pending(): PendingTransaction[] {
    return [...this.open.values()].map((t) => ({ ...t, entries: [...t.entries] }));
  }
}

function transactionKey(entry: CommandEntry): string {
  return valueKey({ lsid: entry.lsid, txnNumber: entry.txnNumber });
}

function release(entries: Document[]): ReleasedOp[] {
  return entries.flatMap((e) =>
    ((e.o as Document).applyOps as Document[]).map((op) => ({ op, ts: e.ts as Timestamp })),
  );
}

/** Each entry must name the previous one in `prevOpTime`, the first none: else the chain began before we looked. */
function checkChain(entries: Document[], last: CommandEntry, count: number | undefined): void {
  let previous: Timestamp | undefined;
  for (const [i, e] of entries.entries()) {
    const prev = (e.prevOpTime as Document | undefined)?.ts as Timestamp | undefined;
    const expected = i === 0 ? 'none' : tsToString(previous!);
    if (prev !== undefined && (i === 0 ? !prev.isZero() : !prev.equals(previous!))) {
      throw new IncompleteTransaction(
        `unable to apply transaction: entry ${tsToString(e.ts as Timestamp)} follows ${tsToString(prev)}, expected ${expected}; ` +
          `the applier must start at the transaction's first entry: ${quoteEntry(last)}`,
      );
    }
    previous = e.ts as Timestamp;
  }
  const ops = entries.reduce(
    (n, e) => n + (((e.o as Document).applyOps as unknown[] | undefined)?.length ?? 0),
    0,
  );
  if (count !== undefined && count !== ops) {
    throw new IncompleteTransaction(
      `unable to apply transaction: it has ${ops} operations, its commit says ${count}: ${quoteEntry(last)}`,
    );
  }
}

function sameTs(a: unknown, b: unknown): boolean {
  return a instanceof Timestamp && b instanceof Timestamp && a.equals(b);
}
