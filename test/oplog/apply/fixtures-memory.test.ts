import { describe, it } from 'node:test';
import { Applier } from '../../../src/oplog/apply/applier.js';
import { MemoryTarget } from '../../../src/oplog/apply/memory-target.js';
import { canonical, loadFixtures, mapper, runCase, type FixtureCase, type World } from './fixtures.js';

const PREFIX = 'mem';

/** The in-memory world: the applier's whole logic, no server. */
function memoryWorld(): World {
  const target = new MemoryTarget();
  const map = mapper(PREFIX);
  return {
    unseeded: new Set(),
    mayRefuse: false,
    async seed(c: FixtureCase) {
      for (const [ns, docs] of Object.entries(c.before)) target.seed(map(ns), docs, c.beforeIndexes?.[ns]);
    },
    applier: () => new Applier(target, { mapNamespace: map }),
    async snapshot(dbs) {
      const out: Record<string, string[]> = {};
      for (const [name, coll] of target.collections) {
        const source = name.slice(PREFIX.length + 1);
        if (dbs.some((db) => source.startsWith(`${db}.`))) out[source] = canonical([...coll.docs.values()]);
      }
      return out;
    },
    async indexes(ns) {
      const t = map(ns);
      return [...(target.collections.get(`${t.db}.${t.coll}`)?.indexes.values() ?? [])];
    },
    async options(ns) {
      const t = map(ns);
      return target.collections.get(`${t.db}.${t.coll}`)?.options;
    },
  };
}

for (const file of loadFixtures()) {
  describe(`oplog fixtures in memory: ${file.family}`, () => {
    for (const c of file.cases) it(c.name, () => runCase(memoryWorld(), c));
  });
}
