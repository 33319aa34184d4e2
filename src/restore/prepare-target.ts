/**
 * Prepares the target before any document is written: every target collection is checked first, and a
 * non-empty one is refused unless the restore may drop it (TargetNotEmpty, naming them, nothing written);
 * then, with `drop`, existing ones are dropped, and each is created with the snapshot's options. An option
 * the server refuses (FerretDB 1.24: validator, collation, expireAfterSeconds, timeseries) or accepts and
 * does not keep (FerretDB: clusteredIndex) is reported per collection, never dropped silently.
 * Idempotent until the first document is inserted (a rerun finds its own empty collections). The
 * collections a point-in-time replay will create are checked and dropped the same way, not created (the
 * replay creates them with the options its oplog gives).
 */
import { MongoServerError, type Document, type MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import { TargetNotEmpty } from '../errors/domain-errors.js';
import type { TargetNs } from '../oplog/apply/index.js';

const NAMESPACE_EXISTS = 48;
const NOT_IMPLEMENTED = 238;
/** Options that go together: refusing one refuses its companions. */
const COMPANIONS: Record<string, string[]> = { validator: ['validationLevel', 'validationAction'], capped: ['size', 'max'] };

/** A collection to create on the target. */
export interface TargetCollection {
  /** Source namespace, for messages. */
  ns: string;
  target: TargetNs;
  /** Collection options as BSON values (fromManifestJson). */
  options: Document;
}

export interface RefusedOptions {
  ns: string;
  options: string[];
  error: string;
}

export interface PrepareOutcome {
  dropped: string[];
  created: string[];
  refused: RefusedOptions[];
}

/**
 * @param o.replayCreates target collections the replay creates: refused when not empty, dropped with `drop`
 * @throws TargetNotEmpty naming every non-empty target collection, when `drop` is false
 */
export async function prepareTarget(
  client: MongoClient,
  collections: TargetCollection[],
  o: { drop: boolean; replayCreates?: Array<{ ns: string; target: TargetNs }>; logger?: Logger },
): Promise<PrepareOutcome> {
  // 1. Refuse before writing anything.
  const replayed = (o.replayCreates ?? []).map((c) => ({ ...c, options: {} }));
  const present = await existingTargets(client, [...collections, ...replayed]);
  const nonEmpty = present.filter((c) => c.docs > 0).map((c) => name(c.target));
  if (nonEmpty.length > 0 && !o.drop) {
    throw new TargetNotEmpty(`unable to restore: target collection${nonEmpty.length > 1 ? 's' : ''} ${nonEmpty.map((n) => `'${n}'`).join(', ')} ${nonEmpty.length > 1 ? 'are' : 'is'} not empty (restore with drop to replace ${nonEmpty.length > 1 ? 'them' : 'it'})`, { details: { collections: nonEmpty } });
  }
  // 2. Drop what is there when asked; otherwise existing (empty) collections are kept as they are.
  const out: PrepareOutcome = { dropped: [], created: [], refused: [] };
  for (const c of o.drop ? present : []) {
    await client.db(c.target.db).collection(c.target.coll).drop();
    out.dropped.push(name(c.target));
  }
  // 3. Create each collection with the snapshot's options.
  const kept = new Set(o.drop ? [] : present.map((c) => name(c.target)));
  // Only the snapshot's collections are created here; the replay's are dropped above at most.
  for (const c of collections) {
    if (kept.has(name(c.target))) continue;
    const refused = await createWithOptions(client, c);
    out.created.push(name(c.target));
    if (refused !== undefined) {
      out.refused.push(refused);
      o.logger?.warn(refused, 'the restore target refused collection options');
    }
  }
  return out;
}

async function existingTargets(client: MongoClient, collections: TargetCollection[]) {
  const out: Array<TargetCollection & { docs: number }> = [];
  for (const c of collections) {
    const listed = await client.db(c.target.db).listCollections({ name: c.target.coll }, { nameOnly: true }).toArray();
    if (listed.length === 0) continue;
    const docs = await client.db(c.target.db).collection(c.target.coll).countDocuments({}, { limit: 1 });
    out.push({ ...c, docs });
  }
  return out;
}

/** Creates the collection, leaving out each option the server refuses; returns what it left out or did not keep. */
async function createWithOptions(client: MongoClient, c: TargetCollection): Promise<RefusedOptions | undefined> {
  const options: Document = { ...c.options };
  const left: string[] = [];
  const errors: string[] = [];
  for (;;) {
    try {
      await client.db(c.target.db).command({ create: c.target.coll, ...options });
      break;
    } catch (err) {
      if (err instanceof MongoServerError && Number(err.code) === NAMESPACE_EXISTS) break;
      const field = refusedField(err, options);
      if (field === undefined) throw err;
      for (const f of [field, ...(COMPANIONS[field] ?? [])]) {
        if (!(f in options)) continue;
        delete options[f];
        left.push(f);
      }
      errors.push((err as Error).message);
    }
  }
  left.push(...(await notKept(client, c.target, options)));
  return left.length === 0 ? undefined : { ns: c.ns, options: left, error: errors.join('; ') || 'accepted but not kept' };
}

/** The option a NotImplemented answer names (`support for field "x"`), if it is one of ours. */
function refusedField(err: unknown, options: Document): string | undefined {
  if (!(err instanceof MongoServerError) || Number(err.code) !== NOT_IMPLEMENTED) return undefined;
  const field = /field "([^"]+)"/.exec(err.message)?.[1];
  return field !== undefined && field in options ? field : undefined;
}

/** Options the server accepted but does not list back. */
async function notKept(client: MongoClient, target: TargetNs, asked: Document): Promise<string[]> {
  const [info] = await client.db(target.db).listCollections({ name: target.coll }).toArray();
  const listed = ((info as { options?: Document } | undefined)?.options ?? {}) as Document;
  return Object.keys(asked).filter((k) => !(k in listed));
}

const name = (t: TargetNs) => `${t.db}.${t.coll}`;
