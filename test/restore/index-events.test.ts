import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IndexEventsJson } from '../../src/contracts/restore.js';
import { IndexEvents } from '../../src/restore/index-events.js';

describe('IndexEvents', () => {
  it('keeps what a replay dropped through its serialised form (a workflow payload)', () => {
    const events = new IndexEvents();
    events.observe([
      { op: 'c', ns: 'a.$cmd', o: { drop: 'gone' } },
      { op: 'c', ns: 'a.$cmd', o: { renameCollection: 'a.old', to: 'a.new' } },
      { op: 'c', ns: 'b.$cmd', o: { dropDatabase: 1 } },
      { op: 'c', ns: 'a.$cmd', o: { dropIndexes: 'kept', index: 'byName_1' } },
      { op: 'c', ns: 'a.$cmd', o: { dropIndexes: 'keyed', index: { k: 1 } } },
      { op: 'c', ns: 'a.$cmd', o: { dropIndexes: 'all', index: '*' } },
    ]);
    const payload = IndexEventsJson.parse(JSON.parse(JSON.stringify(events.toJSON())));
    const back = IndexEvents.fromJSON(payload);
    for (const e of [events, back]) {
      assert.deepEqual(['a.gone', 'a.old', 'b.any', 'a.kept'].map((ns) => e.collectionGone(ns)), [true, true, true, false]);
      assert.equal(e.indexDropped('a.kept', { name: 'byName_1', key: { x: 1 } }), true);
      assert.equal(e.indexDropped('a.kept', { name: 'other_1', key: { y: 1 } }), false);
      assert.equal(e.indexDropped('a.keyed', { name: 'k_1', key: { k: 1 } }), true);
      assert.equal(e.indexDropped('a.all', { name: 'any', key: { z: 1 } }), true);
    }
  });
});
