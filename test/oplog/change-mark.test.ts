import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { oplogChangeMark } from '../../src/oplog/change-mark.js';
import { services, uniqueName } from '../harness/services.js';

describe('oplogChangeMark on the real source', () => {
  let source: MongoClient;
  const db = uniqueName('mark');

  before(() => {
    source = new MongoClient(services.source.uri);
  });
  after(async () => {
    await source.db(db).dropDatabase();
    await source.close();
  });

  it('changes when an entry is added to the oplog', async () => {
    const mark = oplogChangeMark(source);
    const before = await mark();
    await source.db(db).collection('c').insertOne({ pad: 'x'.repeat(100) });
    const afterInsert = await mark();
    assert.match(before, /^\d+\/\d+$/);
    assert.notEqual(afterInsert, before);
  });
});
