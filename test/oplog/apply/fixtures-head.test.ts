import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Document, MongoClient } from 'mongodb';
import { rawReadOptions } from '../../../src/lib/bson.js';
import { OplogApplier } from '../../../src/oplog/apply/index.js';
import { MongoTarget, serverCode } from '../../../src/oplog/apply/mongo-target.js';
import { TargetRefused } from '../../../src/oplog/apply/target.js';
import type { IndexSpec } from '../../../src/oplog/apply/command-schemas.js';
import { mongoClient, uniqueName, withService } from '../../harness/services.js';
import {
  caseDatabases,
  canonical,
  loadFixtures,
  mapper,
  runCase,
  type FixtureCase,
  type World,
} from './fixtures.js';

/** The real head (FerretDB): each case in its own databases, dropped afterwards. */
function headWorld(client: MongoClient, prefix: string): World {
  const map = mapper(prefix);
  const target = new MongoTarget(client);
  const unseeded = new Set<string>();
  return {
    unseeded,
    mayRefuse: true,
    async seed(c: FixtureCase) {
      for (const [ns, docs] of Object.entries(c.before)) {
        const t = map(ns);
        if (docs.length === 0) await target.createCollection(t, {});
        else await client.db(t.db).collection(t.coll).insertMany(docs);
        for (const spec of c.beforeIndexes?.[ns] ?? []) {
          // An index the head cannot hold cannot be part of its starting state either.
          const built = await target.createIndex(t, spec).catch((e: unknown) => {
            if (e instanceof TargetRefused) return undefined;
            throw e;
          });
          if (built === undefined || built.droppedOptions.length > 0) unseeded.add(spec.name);
        }
      }
    },
    applier: () => new OplogApplier(client, { mapNamespace: map }),
    async snapshot(dbs) {
      const out: Record<string, string[]> = {};
      for (const db of dbs) {
        for (const { name } of await client
          .db(`${prefix}_${db}`)
          .listCollections({}, { nameOnly: true })
          .toArray()) {
          out[`${db}.${name}`] = canonical(
            await client.db(`${prefix}_${db}`).collection(name).find({}, rawReadOptions).toArray(),
          );
        }
      }
      return out;
    },
    async indexes(ns) {
      const t = map(ns);
      try {
        return (await client.db(t.db).collection(t.coll).listIndexes(rawReadOptions).toArray()) as Array<
          Document & IndexSpec
        >;
      } catch (err) {
        if (serverCode(err) === 26) return [];
        throw err;
      }
    },
    async options(ns) {
      const t = map(ns);
      const [info] = await client.db(t.db).listCollections({ name: t.coll }, rawReadOptions).toArray();
      return info === undefined ? undefined : ((info as { options?: Document }).options ?? {});
    },
  };
}

describe('oplog fixtures on the head (FerretDB)', () => {
  let client: MongoClient;
  const dropped: string[] = [];
  before(async () => {
    client = mongoClient('head');
    await withService('head', () => client.db('admin').command({ ping: 1 }));
  });
  after(async () => {
    for (const db of dropped) await client.db(db).dropDatabase();
    await client?.close();
  });

  for (const file of loadFixtures()) {
    describe(file.family, () => {
      for (const c of file.cases) {
        it(c.name, async () => {
          const prefix = uniqueName('oplogfx');
          dropped.push(...caseDatabases(c).map((db) => `${prefix}_${db}`));
          if (c.headRefuses === undefined) return runCase(headWorld(client, prefix), c);
          // The head cannot hold these documents: writing them through the applier must fail, not be skipped.
          const inserts = Object.entries(c.before).flatMap(([ns, docs]) =>
            docs.map((o) => ({ op: 'i', ns, o })),
          );
          await assert.rejects(headWorld(client, prefix).applier().apply(inserts), (err: Error) =>
            err.message.includes(c.headRefuses!),
          );
        });
      }
    });
  }
});
