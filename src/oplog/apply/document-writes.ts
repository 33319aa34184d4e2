/**
 * A run's final document writes on one MongoDB-wire collection (MongoTarget.writeDocuments), in the
 * fewest round trips and without the reads the applier could skip (DocumentWrite's `expect`):
 * - 'new' documents go out as one unordered insert; those already there (a replay) are replaced;
 * - 'existing' documents are replaced without upsert, and only a command whose counts fall short is
 *   followed by a read, which names the absent ones (never created) and, on FerretDB, a type-only change
 *   its replace skipped (retype.ts);
 * - the rest are replaced with upsert, and deletes deleted, as before.
 * Every write touches its own _id, so the groups, and the commands of a group (splitWrites), are sent
 * side by side; every one has ended (settled) before this returns or throws, so that no write of a failed
 * call can land after its retry's writes.
 */
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document } from 'mongodb';
import { decodeOrdered, toWire } from '../../lib/bson.js';
import { changesOnlyNumericTypes } from './retype.js';
import type { DocumentWrite, WriteOutcome } from './target.js';
import { toNumber, valueKey } from './values.js';

const DUPLICATE_KEY = 11000;
/** _ids per read of a short command's documents; a command carries at most the server's batch anyway. */
const ID_CHUNK = 10_000;

type Replace = Extract<DocumentWrite, { kind: 'replace' }>;

export interface WriteServer {
  /** FerretDB skips a replace that changes only numeric types: such writes are rewritten (retype.ts). */
  ferretdb: boolean;
}

/**
 * On FerretDB a command's statements run one after another, each a query and a write of its own (about
 * 1-4 ms); a kind of write with many documents goes out as up to this many commands at once, so that the
 * server's other core works too. MongoDB takes one command per kind (the driver splits it at
 * maxWriteBatchSize) and spreads the work itself.
 */
const FERRETDB_COMMANDS_IN_FLIGHT = 4;
/** Below this many statements a command is not split further (its round trip would dominate). */
const FERRETDB_MIN_COMMAND = 64;

/**
 * At most this many statements a command. A command whose client saw it fail (a cut link, a killed
 * worker) goes on running on the server: FerretDB was seen applying a 3,000-statement update for 8 s after
 * the client's error, long enough to overwrite what the retry (1 s later) had written since. Short
 * commands keep that tail shorter than the retry's wait.
 */
const FERRETDB_MAX_COMMAND = 256;

/** The commands one kind of write goes out as on this server. */
export function splitWrites<T>(items: T[], server: WriteServer): T[][] {
  if (!server.ferretdb) return items.length === 0 ? [] : [items];
  const even = Math.ceil(items.length / FERRETDB_COMMANDS_IN_FLIGHT);
  const size = Math.min(FERRETDB_MAX_COMMAND, Math.max(FERRETDB_MIN_COMMAND, even));
  return chunks(items, size);
}

export async function writeDocumentsTo(
  coll: Collection,
  writes: DocumentWrite[],
  server: WriteServer,
): Promise<WriteOutcome> {
  const replaces = writes.filter((w): w is Replace => w.kind === 'replace');
  const deletes = writes
    .filter((w) => w.kind === 'delete')
    .map((w) => ({ deleteOne: { filter: { _id: w._id } as Document } }));
  const expecting = (e: Replace['expect']) => replaces.filter((w) => w.expect === e);
  const absent: unknown[] = [];
  await settleAll([
    ...splitWrites(deletes, server).map((batch) => () => bulk(coll, batch, false)),
    () => upsert(coll, expecting(undefined), server),
    () => insertNew(coll, expecting('new'), server),
    async () => absent.push(...(await replaceExisting(coll, expecting('existing'), server))),
  ]);
  return { absent };
}

/** Replaces with upsert; on FerretDB a type-only change (known from `previous`) is rewritten instead. */
async function upsert(coll: Collection, writes: Replace[], server: WriteServer): Promise<void> {
  const retypes = server.ferretdb ? writes.filter((w) => changesOnlyNumericTypes(w.previous, w.doc)) : [];
  const ops = writes
    .filter((w) => !retypes.includes(w))
    .map((w) => ({
      replaceOne: { filter: { _id: w._id } as Document, replacement: toWire(w.doc), upsert: true },
    }));
  await settleAll(splitWrites(ops, server).map((batch) => () => bulk(coll, batch, false)));
  if (retypes.length > 0)
    await rewrite(
      coll,
      retypes.map((w) => toWire(w.doc)),
    );
}

/** One unordered insert; the documents the target already holds (duplicate _id) are replaced instead. */
async function insertNew(coll: Collection, writes: Replace[], server: WriteServer): Promise<void> {
  if (writes.length === 0) return;
  try {
    await coll.insertMany(
      writes.map((w) => toWire(w.doc)),
      { ordered: false, bypassDocumentValidation: true },
    );
  } catch (err) {
    const errors = err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : [];
    if (errors.length === 0 || errors.some((e) => toNumber(e.code) !== DUPLICATE_KEY)) throw err;
    // Replaced as if read: with no previous version, as an insert entry is applied on a replay.
    await upsert(
      coll,
      errors.map((e) => ({ ...writes[e.index]!, expect: undefined })),
      server,
    );
  }
}

/**
 * Replaces documents the target should hold, never creating one. A command whose matched count falls
 * short (or, on FerretDB, whose modified count does: a replace equal by value was skipped) has its
 * documents read: those not found are returned as absent, those found that differ only in numeric types
 * are rewritten. A replay of writes already made reads; a live follow does not.
 */
async function replaceExisting(coll: Collection, writes: Replace[], server: WriteServer): Promise<unknown[]> {
  const absent: unknown[] = [];
  await settleAll(
    splitWrites(writes, server).map(
      (batch) => async () => absent.push(...(await replaceBatch(coll, batch, server))),
    ),
  );
  return absent;
}

/** One command of replacements without upsert; its documents are read only when its counts fall short. */
async function replaceBatch(coll: Collection, batch: Replace[], server: WriteServer): Promise<unknown[]> {
  const ops = batch.map((w) => ({
    replaceOne: { filter: { _id: w._id } as Document, replacement: toWire(w.doc) },
  }));
  const res = await bulk(coll, ops, false);
  const short = res.matchedCount < batch.length || (server.ferretdb && res.modifiedCount < batch.length);
  if (!short) return [];
  const held = new Map(
    (
      await readIds(
        coll,
        batch.map((w) => w._id),
      )
    ).map((d) => [valueKey(d._id), d]),
  );
  const retypes = server.ferretdb
    ? batch.filter((w) => changesOnlyNumericTypes(held.get(valueKey(w._id)), w.doc))
    : [];
  if (retypes.length > 0)
    await rewrite(
      coll,
      retypes.map((w) => toWire(w.doc)),
    );
  return batch.filter((w) => !held.has(valueKey(w._id))).map((w) => w._id);
}

/** A field no source document carries: the first of a rewrite's two replaces adds it. */
const RETYPE_MARK = '__headwater_retype';

/**
 * Documents the stand-in would not replace (retype.ts): replaced once with a mark field added (a change
 * it sees), then as they are. The document is there at every moment: a call cut between the two leaves the
 * marked version, which differs, so the retry's replace writes it. (A delete then insert, cut between,
 * left it absent: the retry's replace-if-present then named it missing, and a follow never fetches it.)
 */
async function rewrite(coll: Collection, docs: Document[]): Promise<void> {
  const replace = (d: Document, id: unknown) => ({
    replaceOne: { filter: { _id: id } as Document, replacement: d, upsert: true },
  });
  await bulk(
    coll,
    docs.map((d) => replace(marked(d), idOf(d))),
    true,
  );
  await bulk(
    coll,
    docs.map((d) => replace(d, idOf(d))),
    true,
  );
}

function marked(doc: Document): Document {
  if (doc instanceof Map)
    return new Map([...(doc as Map<string, unknown>), [RETYPE_MARK, true]]) as unknown as Document;
  return { ...doc, [RETYPE_MARK]: true };
}

async function bulk(coll: Collection, ops: AnyBulkWriteOperation[], ordered: boolean) {
  // The source validated these documents when they were written; a later, stricter validator must not refuse them.
  return coll.bulkWrite(ops, { ordered, bypassDocumentValidation: true });
}

export async function readIds(coll: Collection, ids: unknown[]): Promise<Document[]> {
  const out: Document[] = [];
  for (const chunk of chunks(ids, ID_CHUNK)) {
    const found = await coll
      .find({ _id: { $in: chunk } } as Document, { raw: true, batchSize: chunk.length, limit: chunk.length })
      .toArray();
    out.push(...found.map((bytes) => decodeOrdered(bytes as unknown as Uint8Array)));
  }
  return out;
}

/** Runs every task to its end, then throws the first failure, if any. */
async function settleAll(tasks: Array<() => Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(tasks.map((t) => t()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** The _id of a document as `toWire` gives it (a Map when its field order needs one). */
function idOf(doc: Document): unknown {
  return doc instanceof Map ? (doc as Map<string, unknown>).get('_id') : doc._id;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
