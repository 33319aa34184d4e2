import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp, type Document } from 'mongodb';
import { Applier } from '../../../src/oplog/apply/applier.js';
import { MemoryTarget } from '../../../src/oplog/apply/memory-target.js';
import {
  absentAsMissing,
  idsToLoad,
  planNamespace,
  unreadIds,
  type CrudOp,
} from '../../../src/oplog/apply/planner.js';
import { valueKey } from '../../../src/oplog/apply/values.js';
import { parseOplogEntry, type CrudEntry } from '../../../src/oplog/entry.js';
import { canonical, expectedSnapshot, loadFixtures, mapper } from './fixtures.js';

const ts = new Timestamp({ t: 1_717_243_200, i: 1 });
const target = { db: 'h', coll: 'c' };
const op = (e: Document): CrudOp => ({
  entry: parseOplogEntry({ ns: 'a.c', ts, ...e }) as CrudEntry,
  ns: 'a.c',
  target,
});
const ins = (_id: unknown, extra: Document = {}) => op({ op: 'i', o: { _id, ...extra } });
const upd = (_id: unknown, diff: Document) => op({ op: 'u', o: { $v: 2, diff }, o2: { _id } });
const del = (_id: unknown) => op({ op: 'd', o: { _id } });
/** A whole-document update: MongoDB's replacement form, and FerretDB's $set of the whole document. */
const whole = (_id: unknown, doc: Document) => op({ op: 'u', o: { _id, ...doc }, o2: { _id } });
const ferretSet = (_id: unknown, doc: Document) =>
  op({ _id: 'entry', op: 'u', o: { $v: 1, $set: { _id, ...doc } }, o2: { _id } });

describe('batch planner', () => {
  it('reads only the documents whose first operation in the run is an update', () => {
    const ops = [
      ins(1),
      upd(1, { u: { a: 1 } }),
      upd(2, { u: { a: 1 } }),
      del(3),
      upd(3, { u: { a: 1 } }),
      upd(2, { u: { b: 1 } }),
    ];
    assert.deepEqual(idsToLoad(ops), [2]);
  });

  it('reads no document whose run begins with a whole-document update and holds no insert of it', () => {
    const ops = [
      whole(1, { a: 1 }),
      upd(1, { u: { a: 2 } }),
      ferretSet(2, { a: 1 }),
      whole(3, { a: 1 }),
      del(3),
      op({ op: 'u', b: true, o: { _id: 4, a: 1 }, o2: { _id: 4 } }),
      upd(5, { u: { a: 1 } }),
      whole(5, { a: 2 }),
    ];
    assert.deepEqual(idsToLoad(ops), [4, 5]);
    assert.deepEqual([...unreadIds(ops)], [valueKey(1), valueKey(2), valueKey(3)]);
    // An insert in the run (after a delete, say) needs the read: the insert may not be the first write.
    assert.deepEqual(idsToLoad([whole(6, { a: 1 }), del(6), ins(6)]), [6]);
  });

  it('writes an unread document only where the target holds it, and names the absent ones missing', () => {
    const ops = [whole(1, { a: 1 }), upd(1, { u: { a: 2 } }), ins(2, { n: 0 }), upd(2, { u: { n: 1 } })];
    const plan = planNamespace(ops, []);
    assert.deepEqual(plan.writes, [
      { kind: 'replace', _id: 1, doc: { _id: 1, a: 2 }, expect: 'existing' },
      { kind: 'replace', _id: 2, doc: { _id: 2, n: 1 }, expect: 'new' },
    ]);
    assert.deepEqual(plan.missing, []);
    assert.deepEqual(absentAsMissing(ops, [1]), [{ ns: 'a.c', _id: 1 }]);
  });

  it('applies a whole-document update to an absent document as missing, on a target that holds nothing', async () => {
    const memory = new MemoryTarget();
    memory.seed(target, [{ _id: 1, a: 0 }]);
    const result = await new Applier(memory, { mapNamespace: () => target }).apply([
      { op: 'u', ns: 'a.c', ts, o: { _id: 1, a: 1 }, o2: { _id: 1 } },
      { op: 'u', ns: 'a.c', ts, o: { _id: 7, a: 1 }, o2: { _id: 7 } },
    ]);
    assert.deepEqual(result.missing, [{ ns: 'a.c', _id: 7 }]);
    assert.deepEqual([...memory.collections.get('h.c')!.docs.values()], [{ _id: 1, a: 1 }]);
  });

  it('collapses a run to one write per document, in its final state', () => {
    const plan = planNamespace(
      [ins(1, { n: 0 }), upd(1, { u: { n: 1 } }), upd(1, { u: { n: 2 } }), ins(2), del(2), del(9)],
      [],
    );
    assert.deepEqual(plan.writes, [
      { kind: 'replace', _id: 1, doc: { _id: 1, n: 2 }, expect: 'new' },
      { kind: 'delete', _id: 2 },
      { kind: 'delete', _id: 9 },
    ]);
    assert.deepEqual(plan.missing, []);
  });

  it('reports a document missing once however many updates name it, and writes nothing for it', () => {
    const plan = planNamespace([upd(7, { u: { a: 1 } }), upd(7, { u: { a: 2 } })], []);
    assert.deepEqual(plan.writes, []);
    assert.deepEqual(plan.missing, [{ ns: 'a.c', _id: 7 }]);
  });

  it('hands the target the version it read beside the new one (a target may miss a type-only change)', () => {
    const plan = planNamespace([upd(5, { u: { a: 1 } })], [{ _id: 5, a: 0 }]);
    assert.deepEqual(plan.writes, [
      { kind: 'replace', _id: 5, doc: { _id: 5, a: 1 }, previous: { _id: 5, a: 0 } },
    ]);
  });

  it('does not rewrite documents it only read', () => {
    const plan = planNamespace([upd(404, { u: { a: 1 } })], [{ _id: 5, a: 0 }]);
    assert.deepEqual(plan.writes, []);
  });
});

describe('oplog fixtures in memory, flushing after every operation', () => {
  // Batching must not change the outcome: a run of one operation at a time gives the same state.
  for (const file of loadFixtures()) {
    for (const c of file.cases.filter((x) => x.throws === undefined)) {
      it(`${file.family}: ${c.name}`, async () => {
        const memory = new MemoryTarget();
        const map = mapper('t');
        for (const [ns, docs] of Object.entries(c.before)) memory.seed(map(ns), docs, c.beforeIndexes?.[ns]);
        await new Applier(memory, { mapNamespace: map, maxRunOps: 1 }).apply(c.entries);
        const snapshot = Object.fromEntries(
          [...memory.collections].map(([name, coll]) => [name.slice(2), canonical([...coll.docs.values()])]),
        );
        assert.deepEqual(snapshot, expectedSnapshot(c.after));
      });
    }
  }
});
