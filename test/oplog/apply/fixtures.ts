/**
 * Loads the oplog fixtures (test/fixtures/oplog/*.json, EJSON) and runs one case against a "world": an
 * in-memory target (pure tests) or the real head. A case gives the starting collections, the entries
 * and the expected final state; it is applied, checked, then applied again and checked again (a replay
 * must converge on the same state).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { BSON, type Document } from 'mongodb';
import { z } from 'zod';
import { HeadwaterError } from '../../../src/errors/domain-errors.js';
import type { Applier } from '../../../src/oplog/apply/applier.js';
import type { IndexSpec } from '../../../src/oplog/apply/command-schemas.js';
import type { ApplyResult } from '../../../src/oplog/apply/result.js';
import type { TargetNs } from '../../../src/oplog/apply/target.js';
import { isDocument, valueKey } from '../../../src/oplog/apply/values.js';
import { splitNs } from '../../../src/lib/namespace.js';

const Collections = z.record(z.string(), z.array(z.custom<Document>(isDocument)));
const Indexes = z.record(z.string(), z.array(z.custom<IndexSpec>(isDocument)));
export const FixtureCase = z.object({
  name: z.string(),
  before: Collections,
  beforeIndexes: Indexes.optional(),
  entries: z.array(z.custom<Document>(isDocument)).min(1),
  after: Collections,
  afterIndexes: Indexes.optional(),
  /** Collection options the target must hold afterwards (a subset), unless it reported refusing them. */
  afterOptions: z.record(z.string(), z.custom<Document>(isDocument)).optional(),
  missing: z.array(z.object({ ns: z.string(), _id: z.unknown() })).default([]),
  splitAfter: z.preprocess((v) => (v instanceof BSON.Int32 ? v.value : v), z.number().int()).optional(),
  afterSplit: Collections.optional(),
  throws: z.string().optional(),
  messageIncludes: z.string().optional(),
  /** What FerretDB (the test head) answers for a case it cannot store at all; real MongoDB stores it. */
  headRefuses: z.string().optional(),
});
export type FixtureCase = z.infer<typeof FixtureCase>;
const FixtureFile = z.object({ family: z.string(), about: z.string(), cases: z.array(FixtureCase).min(1) });

const dir = new URL('../../fixtures/oplog/', import.meta.url);

export function loadFixtures(): Array<z.infer<typeof FixtureFile>> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) =>
      FixtureFile.parse(BSON.EJSON.parse(readFileSync(new URL(f, dir), 'utf8'), { relaxed: false })),
    );
}

/** Where a world holds a case: every source database gets the world's prefix. */
export function mapper(prefix: string): (ns: string) => TargetNs {
  return (ns) => {
    const { db, coll } = splitNs(ns);
    return { db: `${prefix}_${db}`, coll };
  };
}

/** Collections as comparable text: source ns → canonical EJSON of each document, in _id order. */
export type Snapshot = Record<string, string[]>;
export type IndexSnapshot = Record<string, string[]>;

export interface World {
  seed(c: FixtureCase): Promise<void>;
  applier(): Applier;
  snapshot(dbs: string[]): Promise<Snapshot>;
  indexes(ns: string): Promise<IndexSpec[]>;
  /** The collection's options as the target lists them; undefined when it does not exist. */
  options(ns: string): Promise<Document | undefined>;
  /** Index names the world could not even seed (the target cannot build them). */
  unseeded: Set<string>;
  /** Whether refusals are acceptable (a real, partial server) or a bug (the in-memory target). */
  mayRefuse: boolean;
}

export function canonical(docs: Document[]): string[] {
  return [...docs]
    .sort((a, b) => cmp(valueKey(a._id), valueKey(b._id)))
    .map((d) => BSON.EJSON.stringify(d, { relaxed: false }));
}

/** An index spec as compared: without `v`, fields sorted (their order carries no meaning, unlike `key`'s). */
export function indexText(spec: Document): string {
  const fields = Object.keys(spec)
    .filter((k) => k !== 'v')
    .sort();
  return BSON.EJSON.stringify(Object.fromEntries(fields.map((k) => [k, spec[k]])), { relaxed: false });
}

export function expectedSnapshot(collections: Record<string, Document[]>): Snapshot {
  return Object.fromEntries(Object.entries(collections).map(([ns, docs]) => [ns, canonical(docs)]));
}

/** Every source database a case touches: its collections, its entries' namespaces, rename targets. */
export function caseDatabases(c: FixtureCase): string[] {
  const dbs = new Set<string>();
  const add = (ns: unknown) =>
    typeof ns === 'string' && ns.includes('.') && dbs.add(ns.slice(0, ns.indexOf('.')));
  for (const ns of [...Object.keys(c.before), ...Object.keys(c.after)]) add(ns);
  const visit = (e: Document) => {
    if (e.ns !== 'admin.$cmd') add(e.ns);
    const o = e.o as Document | undefined;
    if (typeof o?.to === 'string') add(o.to);
    if (Array.isArray(o?.applyOps)) (o.applyOps as Document[]).forEach(visit);
  };
  c.entries.forEach(visit);
  return [...dbs].sort();
}

/** Applies a case (in one or two calls) and checks the state, the missing list and, when given, the indexes. */
export async function runCase(world: World, c: FixtureCase): Promise<void> {
  await world.seed(c);
  const applier = world.applier();
  const dbs = caseDatabases(c);
  if (c.throws !== undefined) return expectRefusal(world, applier, c, dbs);
  const results: ApplyResult[] = [];
  if (c.splitAfter !== undefined) {
    results.push(await applier.apply(c.entries.slice(0, c.splitAfter)));
    assert.deepEqual(
      await world.snapshot(dbs),
      expectedSnapshot(c.afterSplit ?? c.before),
      'state after the first call',
    );
    results.push(await applier.apply(c.entries.slice(c.splitAfter)));
  } else {
    results.push(await applier.apply(c.entries));
  }
  await checkFinal(world, c, dbs, results);
  // A replay of the whole case over its own result must converge on the same state.
  const replay = await applier.apply(c.entries);
  await checkState(world, c, dbs, [...results, replay], 'state after applying the entries a second time');
  if (c.afterIndexes !== undefined) await checkIndexes(world, c, [...results, replay]);
}

async function checkFinal(
  world: World,
  c: FixtureCase,
  dbs: string[],
  results: ApplyResult[],
): Promise<void> {
  const refused = await checkState(world, c, dbs, results, 'final state');
  for (const [ns, options] of Object.entries(c.afterOptions ?? {})) {
    if (world.mayRefuse && refused.has(ns)) continue;
    const listed = await world.options(ns);
    assert.ok(
      listed !== undefined && holds(listed, options),
      `options of ${ns}: ${BSON.EJSON.stringify(listed ?? {})}`,
    );
  }
  const missing = results.flatMap((r) => r.missing);
  assert.deepEqual(canonicalMissing(missing), canonicalMissing(c.missing), 'missing documents');
  if (!world.mayRefuse) {
    assert.deepEqual(
      results.flatMap((r) => r.indexFailures),
      [],
      'no index failures in memory',
    );
    assert.deepEqual(
      results.flatMap((r) => r.commandFailures),
      [],
      'no command failures in memory',
    );
  }
  if (c.afterIndexes !== undefined) await checkIndexes(world, c, results);
}

/**
 * Compares the target with the case's `after`. A collection kind the target cannot create at all (time-series
 * on FerretDB) may be absent when the applier reported it; returns the namespaces whose create was refused.
 */
async function checkState(
  world: World,
  c: FixtureCase,
  dbs: string[],
  results: ApplyResult[],
  label: string,
): Promise<Set<string>> {
  const refused = new Set(
    results
      .flatMap((r) => r.commandFailures)
      .filter((f) => f.command === 'create')
      .map((f) => f.ns),
  );
  const actual = await world.snapshot(dbs);
  const expected = Object.fromEntries(
    Object.entries(c.after).filter(([ns]) => !(world.mayRefuse && refused.has(ns) && !(ns in actual))),
  );
  assert.deepEqual(actual, expectedSnapshot(expected), label);
  return refused;
}

/** Each expected index is on the target as specified, unless the applier reported that it could not be. */
async function checkIndexes(world: World, c: FixtureCase, results: ApplyResult[]): Promise<void> {
  for (const [ns, expected] of Object.entries(c.afterIndexes ?? {})) {
    const reported = new Set([
      ...results
        .flatMap((r) => r.indexFailures)
        .filter((f) => f.ns === ns)
        .map((f) => f.index),
      ...world.unseeded,
    ]);
    const listed = (await world.indexes(ns)).filter((i) => i.name !== '_id_');
    const check = (specs: IndexSpec[]) =>
      specs
        .filter((s) => !reported.has(s.name))
        .map(indexText)
        .sort();
    assert.deepEqual(check(listed), check(expected), `indexes of ${ns}`);
  }
}

async function expectRefusal(world: World, applier: Applier, c: FixtureCase, dbs: string[]): Promise<void> {
  await assert.rejects(applier.apply(c.entries), (err: unknown) => {
    assert.ok(err instanceof HeadwaterError, `a typed error, got ${String(err)}`);
    assert.equal(err.type, c.throws);
    assert.ok(err.message.includes(c.messageIncludes ?? ''), `message names the problem: ${err.message}`);
    assert.match(err.message, /\{"(op|lsid)":/, 'message quotes the entry as EJSON');
    return true;
  });
  assert.deepEqual(
    await world.snapshot(dbs),
    expectedSnapshot(c.after),
    'nothing written before the refusal',
  );
}

function canonicalMissing(items: Array<{ ns: string; _id: unknown }>): string[] {
  return items.map((m) => `${m.ns} ${valueKey(m._id)}`).sort();
}

/** Whether `listed` holds `asked`: numbers by value whatever their type, documents as supersets. */
function holds(listed: unknown, asked: unknown): boolean {
  if (
    typeof asked === 'number' ||
    asked instanceof BSON.Int32 ||
    asked instanceof BSON.Long ||
    asked instanceof BSON.Double
  )
    return Number(asked) === Number(listed);
  if (isDocument(asked))
    return isDocument(listed) && Object.keys(asked).every((k) => holds(listed[k], asked[k]));
  return valueKey(asked) === valueKey(listed);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
