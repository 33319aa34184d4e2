/**
 * ApplyTarget on a MongoDB-wire server (MongoDB, or FerretDB as the head in tests). Reads keep every BSON
 * type (`rawReadOptions`); a run's writes go out as few commands per namespace (document-writes.ts). What the
 * server does not implement comes back as TargetRefused (reported by the applier, never silent); index
 * builds are checked against listIndexes because a server may accept an option and not keep it
 * (FerretDB 1.24 does so with `sparse`). A cross-database rename the server refuses is done by copying.
 * Documents are read as bytes and written in their true field order.
 */
import { createHash } from 'node:crypto';
import { MongoServerError, type Document, type MongoClient } from 'mongodb';
import { decodeOrdered, rawReadOptions, toWire } from '../../lib/bson.js';
import type { IndexSpec } from './command-schemas.js';
import { readIds, writeDocumentsTo, type WriteServer } from './document-writes.js';
import {
  cleanIndexSpec,
  nsName,
  TargetRefused,
  type ApplyTarget,
  type DocumentWrite,
  type IndexChange,
  type TargetNs,
  type WriteOutcome,
} from './target.js';
import { isDocument, toNumber, valueKey } from './values.js';

const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;
const NAMESPACE_EXISTS = 48;
const INVALID_NAMESPACE = 73;
/** Codes a server answers when it does not implement a command, option or index kind. */
const REFUSALS = new Set([2, 9, 20, 59, 67, 72, 115, 166, 197, 238, 40415]);

export class MongoTarget implements ApplyTarget {
  private server: Promise<WriteServer> | undefined;

  constructor(private readonly client: MongoClient) {}

  async findByIds(ns: TargetNs, ids: unknown[]): Promise<Document[]> {
    return readIds(this.coll(ns), ids);
  }

  async writeDocuments(ns: TargetNs, writes: DocumentWrite[]): Promise<WriteOutcome> {
    return writeDocumentsTo(this.coll(ns), writes, await this.writeServer());
  }

  /**
   * How this server takes a run's writes (document-writes.ts): FerretDB is told apart by the field it adds
   * to buildInfo. The applier relies on the project's FerretDB build: released v1.24 never answers an update
   * command with 100 or more statements (docs/ferretdb-findings.md, defect 2).
   */
  writeServer(): Promise<WriteServer> {
    this.server ??= this.client
      .db('admin')
      .command({ buildInfo: 1 })
      .then((info) => ({ ferretdb: typeof info.ferretdbVersion === 'string' }));
    return this.server;
  }

  async collectionExists(ns: TargetNs): Promise<boolean> {
    return (
      (await this.client.db(ns.db).listCollections({ name: ns.coll }, { nameOnly: true }).toArray()).length >
      0
    );
  }

  /**
   * Creates the collection and checks that the server kept every option asked (FerretDB 1.24 accepts
   * `clusteredIndex` and drops it). A time-series buckets collection is created through its view name,
   * the one way MongoDB creates one (the buckets collection, its clustered index and validator follow).
   */
  async createCollection(ns: TargetNs, options: Document): Promise<void> {
    const bucketsOf = /^system\.buckets\.(.+)$/.exec(ns.coll)?.[1];
    const asked = { ...options };
    const at =
      bucketsOf !== undefined && isDocument(options.timeseries) ? { db: ns.db, coll: bucketsOf } : ns;
    if (at !== ns) {
      delete asked.clusteredIndex;
      delete asked.validator;
    }
    await this.command(at.db, { create: at.coll, ...asked }, [NAMESPACE_EXISTS]);
    const [listed] = await this.client.db(at.db).listCollections({ name: at.coll }, rawReadOptions).toArray();
    const kept = (listed as { options?: Document } | undefined)?.options ?? {};
    const dropped = Object.keys(asked).filter((k) => asked[k] !== false && kept[k] === undefined);
    if (dropped.length > 0)
      throw new TargetRefused(`the target created '${nsName(at)}' without option(s) ${dropped.join(', ')}`);
  }

  async dropCollection(ns: TargetNs): Promise<void> {
    await this.command(ns.db, { drop: ns.coll }, [NAMESPACE_NOT_FOUND]);
  }

  async renameCollection(from: TargetNs, to: TargetNs): Promise<void> {
    try {
      await this.command('admin', { renameCollection: nsName(from), to: nsName(to) }, []);
    } catch (err) {
      // FerretDB 1.24 renames neither across databases nor collections with a dot in their name.
      const refused = err instanceof TargetRefused || serverCode(err) === INVALID_NAMESPACE;
      if (!refused) throw err;
      await this.renameByCopy(from, to);
    }
  }

  async dropDatabase(db: string): Promise<void> {
    await this.client.db(db).dropDatabase();
  }

  async createIndex(ns: TargetNs, spec: IndexSpec): Promise<{ droppedOptions: string[] }> {
    const asked = cleanIndexSpec(spec);
    const existing = await this.index(ns, asked.name);
    // A same-named index with other options (a replay after a collMod, say) is rebuilt as the entry says.
    if (existing !== undefined && droppedOptions(asked, existing).length > 0)
      await this.dropIndexes(ns, [asked.name]);
    try {
      await this.command(ns.db, { createIndexes: ns.coll, indexes: [asked] }, []);
    } catch (err) {
      // FerretDB reports a unique build over duplicates as an internal SQLite error.
      if (
        serverCode(err) === 11000 ||
        (err instanceof MongoServerError && /UNIQUE constraint failed/.test(err.message))
      )
        throw new TargetRefused((err as Error).message, serverCode(err));
      if (serverCode(err) === INDEX_NOT_FOUND)
        throw new TargetRefused((err as Error).message, INDEX_NOT_FOUND);
      throw err;
    }
    const built = await this.index(ns, asked.name);
    if (built === undefined)
      throw new TargetRefused(`index '${asked.name}' is not listed after it was built`);
    return { droppedOptions: droppedOptions(asked, built) };
  }

  async dropIndexes(ns: TargetNs, index: string[] | '*' | Document): Promise<void> {
    const each = Array.isArray(index) ? index : [index];
    for (const i of each)
      await this.command(ns.db, { dropIndexes: ns.coll, index: i }, [NAMESPACE_NOT_FOUND, INDEX_NOT_FOUND]);
  }

  async modifyIndex(ns: TargetNs, change: IndexChange): Promise<void> {
    await this.command(ns.db, { collMod: ns.coll, index: change }, [NAMESPACE_NOT_FOUND, INDEX_NOT_FOUND]);
  }

  async modifyCollection(ns: TargetNs, options: Document): Promise<void> {
    await this.command(ns.db, { collMod: ns.coll, ...options }, [NAMESPACE_NOT_FOUND]);
  }

  /**
   * Copies through a temporary collection of the target database, so that `to` appears whole or not at
   * all: a crash midway leaves `from` intact and `to` absent, and the replayed rename starts over.
   */
  private async renameByCopy(from: TargetNs, to: TargetNs): Promise<void> {
    const tmp = {
      db: to.db,
      coll: `hw_rename_${createHash('sha256').update(nsName(to)).digest('hex').slice(0, 16)}`,
    };
    await this.dropCollection(tmp);
    await this.createCollection(tmp, {});
    let batch: Document[] = [];
    for await (const bytes of this.coll(from).find({}, { raw: true, batchSize: 1000 })) {
      batch.push(toWire(decodeOrdered(bytes as unknown as Uint8Array)));
      if (batch.length < 1000) continue;
      await this.coll(tmp).insertMany(batch, { ordered: false });
      batch = [];
    }
    if (batch.length > 0) await this.coll(tmp).insertMany(batch, { ordered: false });
    for (const spec of await this.coll(from).listIndexes(rawReadOptions).toArray()) {
      if (spec.name !== '_id_')
        await this.createIndex(tmp, spec as IndexSpec).catch((e: unknown) => ignoreRefusal(e));
    }
    try {
      await this.command('admin', { renameCollection: nsName(tmp), to: nsName(to) }, []);
    } catch (err) {
      await this.dropCollection(tmp);
      if (serverCode(err) === INVALID_NAMESPACE)
        throw new TargetRefused((err as Error).message, INVALID_NAMESPACE);
      throw err;
    }
    await this.dropCollection(from);
  }

  private async index(ns: TargetNs, name: string): Promise<Document | undefined> {
    try {
      return (await this.coll(ns).listIndexes(rawReadOptions).toArray()).find((i) => i.name === name);
    } catch (err) {
      // Read with raw options, the error's code is a BSON Int32: compare it as a number.
      if (serverCode(err) === NAMESPACE_NOT_FOUND) return undefined;
      throw err;
    }
  }

  /** Runs a command; `ok` codes count as success, refusal codes become TargetRefused. */
  private async command(db: string, cmd: Document, ok: number[]): Promise<void> {
    try {
      await this.client.db(db).command(cmd);
    } catch (err) {
      const code = serverCode(err);
      if (ok.includes(code)) return;
      if (REFUSALS.has(code)) throw new TargetRefused((err as Error).message, code);
      throw err;
    }
  }

  private coll(ns: TargetNs) {
    return this.client.db(ns.db).collection(ns.coll);
  }
}

/** Options asked for that the listed index lacks or holds with another value (`false` counts as absent). */
function droppedOptions(asked: IndexSpec, listed: Document): string[] {
  return Object.keys(asked).filter(
    (k) => k !== 'name' && !(k === 'key' ? sameKey(asked.key, listed.key) : covers(asked[k], listed[k])),
  );
}

/** Key patterns are ordered: {a: 1, b: 1} and {b: 1, a: 1} are different indexes. */
function sameKey(asked: Document, listed: unknown): boolean {
  return (
    isDocument(listed) &&
    Object.keys(asked).join('\u0000') === Object.keys(listed).join('\u0000') &&
    covers(asked, listed)
  );
}

/** Whether `listed` holds `asked` (numbers by value whatever their type; documents may hold more, defaults). */
function covers(asked: unknown, listed: unknown): boolean {
  if (asked === false && listed === undefined) return true;
  if (!Number.isNaN(toNumber(asked))) return toNumber(asked) === toNumber(listed);
  if (isDocument(asked))
    return isDocument(listed) && Object.keys(asked).every((k) => covers(asked[k], listed[k]));
  return valueKey(asked) === valueKey(listed);
}

/**
 * A server error's code as a number, NaN for any other error. Under raw read options (`promoteValues:
 * false`) the driver leaves `code` as a BSON Int32, which never `===` a number: always compare through this.
 */
export function serverCode(err: unknown): number {
  return err instanceof MongoServerError ? toNumber(err.code) : Number.NaN;
}

function ignoreRefusal(err: unknown): void {
  if (!(err instanceof TargetRefused)) throw err;
}
