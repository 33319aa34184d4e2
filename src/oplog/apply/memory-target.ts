/**
 * An ApplyTarget held in memory: databases of collections of documents (keyed by their exact _id) and
 * index specs. It behaves like a MongoDB that can do everything, so the applier's logic can be tested,
 * and entries dry-run, without a server. Documents are stored as given and never mutated.
 */
import type { Document } from 'mongodb';
import type { IndexSpec } from './command-schemas.js';
import { changedIndex } from './memory-index.js';
import {
  cleanIndexSpec,
  nsName,
  type ApplyTarget,
  type DocumentWrite,
  type IndexChange,
  type TargetNs,
  type WriteOutcome,
} from './target.js';
import { valueKey } from './values.js';

export interface MemoryCollection {
  docs: Map<string, Document>;
  /** Non-_id indexes by name, as a target would list them (without `v`). */
  indexes: Map<string, IndexSpec>;
  options: Document;
}

export class MemoryTarget implements ApplyTarget {
  /** "db.coll" → collection. */
  readonly collections = new Map<string, MemoryCollection>();

  /** Puts a collection with these documents and indexes (a test's starting state). */
  seed(ns: TargetNs, docs: Document[], indexes: IndexSpec[] = []): void {
    const c = this.ensure(ns);
    for (const d of docs) c.docs.set(valueKey(d._id), d);
    for (const i of indexes) c.indexes.set(i.name, cleanIndexSpec(i));
  }

  async findByIds(ns: TargetNs, ids: unknown[]): Promise<Document[]> {
    const c = this.collections.get(nsName(ns));
    return ids.flatMap((id) => c?.docs.get(valueKey(id)) ?? []);
  }

  async writeDocuments(ns: TargetNs, writes: DocumentWrite[]): Promise<WriteOutcome> {
    const absent: unknown[] = [];
    for (const w of writes) {
      const held = this.collections.get(nsName(ns));
      if (w.kind === 'delete') held?.docs.delete(valueKey(w._id));
      else if (w.expect === 'existing' && held?.docs.has(valueKey(w._id)) !== true) absent.push(w._id);
      // Like a server: an upsert or insert creates the collection, a delete alone does not.
      else this.ensure(ns).docs.set(valueKey(w._id), w.doc);
    }
    return { absent };
  }

  async collectionExists(ns: TargetNs): Promise<boolean> {
    return this.collections.has(nsName(ns));
  }

  async createCollection(ns: TargetNs, options: Document): Promise<void> {
    if (!this.collections.has(nsName(ns))) this.ensure(ns).options = options;
  }

  async dropCollection(ns: TargetNs): Promise<void> {
    this.collections.delete(nsName(ns));
  }

  async renameCollection(from: TargetNs, to: TargetNs): Promise<void> {
    const c = this.collections.get(nsName(from));
    if (c === undefined) throw new Error(`memory target: no collection '${nsName(from)}' to rename`);
    if (this.collections.has(nsName(to))) throw new Error(`memory target: collection '${nsName(to)}' exists`);
    this.collections.delete(nsName(from));
    this.collections.set(nsName(to), c);
  }

  async dropDatabase(db: string): Promise<void> {
    for (const name of [...this.collections.keys()])
      if (name.startsWith(`${db}.`)) this.collections.delete(name);
  }

  async createIndex(ns: TargetNs, spec: IndexSpec): Promise<{ droppedOptions: string[] }> {
    this.ensure(ns).indexes.set(spec.name, cleanIndexSpec(spec));
    return { droppedOptions: [] };
  }

  async dropIndexes(ns: TargetNs, index: string[] | '*' | Document): Promise<void> {
    const c = this.collections.get(nsName(ns));
    if (c === undefined) return;
    if (index === '*') c.indexes.clear();
    else if (Array.isArray(index)) for (const name of index) c.indexes.delete(name);
    else
      for (const [name, spec] of c.indexes)
        if (valueKey(spec.key) === valueKey(index)) c.indexes.delete(name);
  }

  async modifyIndex(ns: TargetNs, change: IndexChange): Promise<void> {
    const c = this.collections.get(nsName(ns));
    const found = [...(c?.indexes.values() ?? [])].find((s) =>
      change.name !== undefined ? s.name === change.name : valueKey(s.key) === valueKey(change.keyPattern),
    );
    if (c === undefined || found === undefined) return;
    c.indexes.set(found.name, changedIndex(found, change, c.docs.values()));
  }

  async modifyCollection(ns: TargetNs, options: Document): Promise<void> {
    const c = this.collections.get(nsName(ns));
    if (c !== undefined) c.options = { ...c.options, ...options };
  }

  private ensure(ns: TargetNs): MemoryCollection {
    let c = this.collections.get(nsName(ns));
    if (c === undefined) {
      c = { docs: new Map(), indexes: new Map(), options: {} };
      this.collections.set(nsName(ns), c);
    }
    return c;
  }
}
