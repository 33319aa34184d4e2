/**
 * What a replay did to collections and indexes that the snapshot's index specs must not undo: indexes are
 * built after the replay, so an index the replay dropped, or any index of a collection it dropped or
 * renamed away, is not built again from the manifest. Follows top-level commands (as MongoDB logs DDL);
 * DDL inside an applyOps is not followed. `toJSON`/`fromJSON` carry it from the replay's activity to the
 * index build's (contracts' IndexEventsJson).
 */
import type { Document } from 'mongodb';
import type { IndexEventsJson } from '../contracts/restore.js';

export class IndexEvents {
  private readonly goneColls = new Set<string>();
  private readonly goneDbs = new Set<string>();
  private readonly droppedIndexes = new Map<string, Set<string>>();

  /** Reads the commands among decoded oplog entries (pass to replaySlices' onEntries). */
  observe(entries: Document[]): void {
    for (const e of entries) {
      if (e.op !== 'c' || typeof e.ns !== 'string') continue;
      const db = e.ns.slice(0, e.ns.indexOf('.'));
      const o = (e.o ?? {}) as Document;
      if (typeof o.drop === 'string') this.goneColls.add(`${db}.${o.drop}`);
      if (typeof o.renameCollection === 'string') this.goneColls.add(o.renameCollection);
      if (o.dropDatabase !== undefined) this.goneDbs.add(db);
      const coll = o.dropIndexes ?? o.deleteIndexes;
      if (typeof coll === 'string') this.dropIndex(`${db}.${coll}`, o.index);
    }
  }

  /** Whether the replay dropped (or renamed away) source collection `ns`. */
  collectionGone(ns: string): boolean {
    return this.goneColls.has(ns) || this.goneDbs.has(ns.slice(0, ns.indexOf('.')));
  }

  /** Whether the replay dropped index `spec` of `ns` (by name, by key pattern, or all). */
  indexDropped(ns: string, spec: Document): boolean {
    const dropped = this.droppedIndexes.get(ns);
    if (dropped === undefined) return false;
    return dropped.has('*') || dropped.has(String(spec.name)) || dropped.has(keyOf(spec.key));
  }

  toJSON(): IndexEventsJson {
    return {
      goneCollections: [...this.goneColls],
      goneDatabases: [...this.goneDbs],
      droppedIndexes: Object.fromEntries([...this.droppedIndexes].map(([ns, set]) => [ns, [...set]])),
    };
  }

  static fromJSON(j: IndexEventsJson): IndexEvents {
    const events = new IndexEvents();
    for (const ns of j.goneCollections) events.goneColls.add(ns);
    for (const db of j.goneDatabases) events.goneDbs.add(db);
    for (const [ns, names] of Object.entries(j.droppedIndexes)) events.droppedIndexes.set(ns, new Set(names));
    return events;
  }

  private dropIndex(ns: string, index: unknown): void {
    const set = this.droppedIndexes.get(ns) ?? new Set<string>();
    this.droppedIndexes.set(ns, set);
    for (const i of Array.isArray(index) ? index : [index]) {
      set.add(typeof i === 'string' ? i : keyOf(i));
    }
  }
}

function keyOf(key: unknown): string {
  return `key:${JSON.stringify(key)}`;
}
