/**
 * What the applier has learnt of source collections by their UUID (`ui`): the name each one has held
 * since which time, or that it was dropped. MongoDB applies operations by UUID, not by name; this lets a
 * replayed entry follow its collection through a later rename (or skip it once the collection was
 * dropped), so that replaying a slice over a head that already saw it converges. Bounded: the oldest
 * UUIDs are forgotten first, since only recent history is ever replayed.
 */
import { BSON, Timestamp } from 'mongodb';
import { z } from 'zod';
import { tsFromString, tsToString } from '../../lib/bson.js';
import { binaryKey } from './values.js';

export const CollectionUuidState = z.array(
  z.object({ ui: z.string(), ns: z.string().nullable(), since: z.string(), byCommand: z.boolean() }),
);
export type CollectionUuidState = z.infer<typeof CollectionUuidState>;

interface Known {
  /** null once dropped. */
  ns: string | null;
  since: Timestamp;
  /** Whether `since` is the time of a create/rename/drop (not only of an operation seen on it). */
  byCommand: boolean;
}

export class CollectionUuids {
  private readonly known = new Map<string, Known>();

  constructor(
    state: CollectionUuidState = [],
    private readonly max = 10_000,
  ) {
    for (const s of state)
      this.known.set(s.ui, { ns: s.ns, since: tsFromString(s.since), byCommand: s.byCommand });
  }

  /**
   * The source namespace an operation logged on `ns` at `ts` applies to now: `ns` itself, the collection's
   * later name when it was renamed after `ts`, or null when it was dropped after `ts` (skip the operation).
   */
  route(ns: string, ui: BSON.Binary | undefined, ts: Timestamp | undefined): string | null {
    if (ui === undefined || ts === undefined) return ns;
    const key = binaryKey(ui);
    const k = this.known.get(key);
    if (k !== undefined && ts.lt(k.since)) return k.ns;
    if (k === undefined || k.ns !== ns) this.remember(key, { ns, since: ts, byCommand: false });
    return ns;
  }

  /** Whether a create/rename/drop of this collection at `ts` was already applied (a replay). */
  alreadyApplied(ui: BSON.Binary | undefined, ts: Timestamp | undefined): boolean {
    if (ui === undefined || ts === undefined) return false;
    const k = this.known.get(binaryKey(ui));
    return k !== undefined && k.byCommand && k.since.gte(ts);
  }

  /** Records that the collection holds the name `ns` (created or renamed) from `ts`; null: dropped. */
  named(ui: BSON.Binary | undefined, ns: string | null, ts: Timestamp | undefined): void {
    if (ui !== undefined && ts !== undefined)
      this.remember(binaryKey(ui), { ns, since: ts, byCommand: true });
  }

  /** Forgets the names of a dropped database's collections (they are dropped, with no UUIDs logged). */
  droppedDatabase(db: string, ts: Timestamp | undefined): void {
    for (const [key, k] of this.known) {
      if (k.ns?.startsWith(`${db}.`) && ts !== undefined)
        this.remember(key, { ns: null, since: ts, byCommand: true });
    }
  }

  state(): CollectionUuidState {
    return [...this.known].map(([ui, k]) => ({
      ui,
      ns: k.ns,
      since: tsToString(k.since),
      byCommand: k.byCommand,
    }));
  }

  private remember(key: string, k: Known): void {
    this.known.delete(key);
    this.known.set(key, k);
    if (this.known.size > this.max) this.known.delete(this.known.keys().next().value as string);
  }
}
