/**
 * The seam between the applier's logic and the database it writes to. The applier decides what the
 * target must hold; an ApplyTarget only reads and writes it. Two implementations: MongoTarget (a real
 * MongoDB or FerretDB) and MemoryTarget (in memory, for pure tests and dry runs). Every method is
 * idempotent, so that replaying entries converges.
 */
import type { Document } from 'mongodb';
import type { IndexSpec } from './command-schemas.js';

/** A collection on the target (after namespace mapping). */
export interface TargetNs {
  db: string;
  coll: string;
}

/**
 * The final state of one document after a run of operations. `expect` says what the applier knows of the
 * document on the target without having read it, so that the target can skip the read:
 * - 'new': the run began with its insert; usually absent (insert first, replace when it is there);
 * - 'existing': the run began with an update carrying the whole document; an update never creates a
 *   document, so it is written only where the target holds it, and an absent one is reported back.
 * Without `expect`, the document was read (or the run began with its delete): replace it, upserting.
 */
export type DocumentWrite =
  | {
      kind: 'replace';
      _id: unknown;
      doc: Document;
      /** The version the target held, when the applier read it: lets a target spot a change it would miss. */
      previous?: Document | undefined;
      expect?: 'new' | 'existing' | undefined;
    }
  | { kind: 'delete'; _id: unknown };

/** What a target reports back from writeDocuments. */
export interface WriteOutcome {
  /** The _ids of 'existing' writes the target did not hold: nothing was written for them. */
  absent: unknown[];
}

/** The index change a `collMod` asks for (by name or key pattern). */
export interface IndexChange {
  name?: string | undefined;
  keyPattern?: Document | undefined;
  hidden?: boolean | undefined;
  expireAfterSeconds?: unknown;
  /** Refuse new duplicate keys from now on: the first step of a conversion to unique (6.0+). */
  prepareUnique?: boolean | undefined;
  /** true converts the index to unique (after prepareUnique); false converts it back (7.1+). */
  unique?: boolean | undefined;
}

/**
 * Thrown by a target that cannot do what was asked (an option or command it does not implement). The
 * applier reports it in its result (indexFailures / commandFailures) and goes on; any other error stops it.
 */
export class TargetRefused extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'TargetRefused';
  }
}

export interface ApplyTarget {
  /** The current versions of the documents with these _ids (BSON types kept); absent ones are not returned. */
  findByIds(ns: TargetNs, ids: unknown[]): Promise<Document[]>;
  /**
   * Makes each _id hold exactly its final state (replace, or delete), in as few round trips as possible;
   * an 'existing' write whose document the target lacks writes nothing and is returned in `absent`.
   */
  writeDocuments(ns: TargetNs, writes: DocumentWrite[]): Promise<WriteOutcome>;
  collectionExists(ns: TargetNs): Promise<boolean>;
  /** Creates the collection; succeeds when it already exists. @throws TargetRefused for options it cannot honour. */
  createCollection(ns: TargetNs, options: Document): Promise<void>;
  /** Drops the collection; succeeds when it does not exist. */
  dropCollection(ns: TargetNs): Promise<void>;
  /** Renames `from` (which exists) to `to` (which does not), across databases too. */
  renameCollection(from: TargetNs, to: TargetNs): Promise<void>;
  /** Drops the database; succeeds when it does not exist. */
  dropDatabase(db: string): Promise<void>;
  /**
   * Builds one index (replacing a same-named index whose options differ). Returns the options the
   * target accepted but did not keep. @throws TargetRefused when it cannot build the index at all.
   */
  createIndex(ns: TargetNs, spec: IndexSpec): Promise<{ droppedOptions: string[] }>;
  /** Drops indexes by name, by key pattern, or all but _id ('*'); missing indexes and collections are fine. */
  dropIndexes(ns: TargetNs, index: string[] | '*' | Document): Promise<void>;
  /** Changes an index's hidden flag or TTL; a missing index is fine. @throws TargetRefused */
  modifyIndex(ns: TargetNs, change: IndexChange): Promise<void>;
  /** Changes collection options (validator, ...); a missing collection is fine. @throws TargetRefused */
  modifyCollection(ns: TargetNs, options: Document): Promise<void>;
}

/** Index spec fields that describe the catalog entry, not the index: never sent to a target. */
const NON_OPTIONS = new Set(['v', 'ns', 'background']);

/** An index spec as sent to a target: the oplog's spec without its version and legacy fields. */
export function cleanIndexSpec(spec: IndexSpec): IndexSpec {
  return Object.fromEntries(Object.entries(spec).filter(([k]) => !NON_OPTIONS.has(k))) as IndexSpec;
}

export function nsName(ns: TargetNs): string {
  return `${ns.db}.${ns.coll}`;
}
