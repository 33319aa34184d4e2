/**
 * When the soak loses a document, where it was lost: for each lost `_id`, the source's oplog entries for it
 * (as the sampler recorded them, soak-lag.ts), the slices that hold an entry for it (read back through the
 * worker's own slice store, keys and all), where the head's applier stood, and, for a restore, the snapshot
 * it started from. An entry in the source's oplog that no slice holds was lost by capture; one a slice holds
 * but the head lacks, by apply (or groom); one both hold that only a restore lacks, by the restore.
 * Runs only after a failed check, so its cost (every slice read once) never slows a passing soak.
 */
import { readFileSync } from 'node:fs';
import { BSON, type Document, type MongoClient, type Timestamp } from 'mongodb';
import { pino } from 'pino';
import { parse } from 'yaml';
import { SliceIo } from '../../src/activities/slice-io.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { SliceRecord } from '../../src/catalog/slices.js';
import { parseConfig } from '../../src/config/load.js';
import { decodeRaw, tsToString } from '../../src/lib/bson.js';
import { createDeps } from '../../src/worker/deps.js';
import type { LagSampler } from './soak-lag.js';

export interface LostDoc {
  /** Where it was found lost: 'head', or the restore id. */
  where: string;
  /** The database it was compared in (the head's, or the restore's target), to show what that side holds. */
  db?: string;
  /** The source namespace (`db.coll`). */
  ns: string;
  /** `_id` as canonical EJSON. */
  id: string;
}

interface SliceHit {
  slice: SliceRecord;
  position: number;
  entry: Document;
}

/** One line per lost document, and a line on the head's applier; never throws (a trace must not hide the verdict). */
export async function traceLost(o: {
  lost: LostDoc[];
  catalog: Catalog;
  jobId: string;
  syncNumber: number;
  sampler: LagSampler;
  /** The source and the server the head and the restores' targets are on, to show both versions. */
  source: MongoClient;
  head: MongoClient;
  /** The worker's whole log, searched for lines naming a lost document. */
  workerLog: string;
  /** The worker's configuration file and environment (its store credentials and keys). */
  configFile: string;
  env: Record<string, string>;
}): Promise<string[]> {
  if (o.lost.length === 0) return [];
  try {
    Object.assign(process.env, o.env);
    const deps = createDeps(parseConfig(parse(readFileSync(o.configFile, 'utf8')), o.configFile), pino({ level: 'silent' }));
    try {
      const hits = await sliceHits(new SliceIo(deps), await o.catalog.slices.oplog({ jobId: o.jobId }), o.lost);
      const out = [await applierLine(o.catalog, o.jobId, o.syncNumber)];
      for (const l of o.lost) out.push(await lostLine(o, l, hits.get(key(l.ns, l.id)) ?? []));
      return out;
    } finally {
      await deps.close();
    }
  } catch (err) {
    return [`trace failed: ${(err as Error).message}`];
  }
}

const key = (ns: string, id: string) => `${ns}|${id}`;

/** Reads every slice once; the entries that touch a lost document, by document. */
async function sliceHits(io: SliceIo, slices: SliceRecord[], lost: LostDoc[]): Promise<Map<string, SliceHit[]>> {
  const wanted = new Set(lost.map((l) => key(l.ns, l.id)));
  const hits = new Map<string, SliceHit[]>();
  for (const slice of slices) {
    const docs = await io.read(slice);
    for (const [position, raw] of docs.entries()) {
      const entry = decodeRaw(raw);
      const id = (entry.op === 'u' ? entry.o2?._id : entry.o?._id) as unknown;
      if (id === undefined) continue;
      const k = key(String(entry.ns), BSON.EJSON.stringify(id, { relaxed: false }));
      if (wanted.has(k)) hits.set(k, [...(hits.get(k) ?? []), { slice, position, entry }]);
    }
  }
  return hits;
}

async function applierLine(catalog: Catalog, jobId: string, syncNumber: number): Promise<string> {
  const sync = (await catalog.db.collection('syncs').findOne({ jobId, syncNumber })) as { applier?: { through: Timestamp } } | null;
  const through = sync?.applier?.through;
  return `trace: the head's applier (sync ${syncNumber}) saved its state through ${through === undefined ? 'nothing' : tsToString(through)}`;
}

async function lostLine(o: { sampler: LagSampler; catalog: Catalog; source: MongoClient; head: MongoClient; workerLog: string }, l: LostDoc, hits: SliceHit[]): Promise<string> {
  const source = o.sampler.entriesOf(l.ns, l.id).map((e) => `${e.op}@${tsToString(e.ts)} (wall ${e.wall.toISOString()})`);
  const inSlices = hits.map(
    (h) =>
      `${String(h.entry.op)}@${tsToString(h.entry.ts as Timestamp)} in ${h.slice._id} #${h.position} (prevTs ${tsToString(h.slice.prevTs!)}, lastTs ${tsToString(h.slice.lastTs!)}, recorded ${h.slice.createdAt.toISOString()})`,
  );
  const from = l.where === 'head' ? '' : await restoreFrom(o.catalog, l.where);
  const [db, coll] = [l.ns.slice(0, l.ns.indexOf('.')), l.ns.slice(l.ns.indexOf('.') + 1)];
  const versions = `source now ${await version(o.source, db, coll, l.id)}; ${l.where} holds ${l.db === undefined ? '?' : await version(o.head, l.db, coll, l.id)}`;
  const hex = /"\$oid":"([0-9a-f]{24})"/.exec(l.id)?.[1] ?? l.id;
  const logged = o.workerLog.split('\n').filter((line) => line.includes(hex)).slice(0, 5).map((line) => line.slice(0, 400));
  return `trace: lost ${l.ns} ${l.id} in ${l.where}${from}; source oplog: [${source.join('; ') || 'none recorded'}]; slices: [${inSlices.join('; ') || 'none'}]; ${versions}; worker log lines naming it: [${logged.join(' | ') || 'none'}]`;
}

/** A document as canonical EJSON (field order and types as stored), or 'nothing'. */
async function version(client: MongoClient, db: string, coll: string, id: string): Promise<string> {
  const doc = await client.db(db).collection(coll).findOne({ _id: BSON.EJSON.parse(id, { relaxed: false }) as never }, { promoteValues: false, promoteLongs: false });
  return doc === null ? 'nothing' : BSON.EJSON.stringify(doc, { relaxed: false }).slice(0, 700);
}

async function restoreFrom(catalog: Catalog, restoreId: string): Promise<string> {
  const r = await catalog.restores.find(restoreId);
  if (r === undefined) return ' (restore record not found)';
  const snap = await catalog.snapshots.find(r.snapshotId);
  return ` (from snapshot ${r.snapshotId} at ${snap === undefined ? '?' : tsToString(snap.ts)}, to ${r.toTs ?? 'its end'})`;
}
