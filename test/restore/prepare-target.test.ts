import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MongoClient } from 'mongodb';
import { TargetNotEmpty } from '../../src/errors/domain-errors.js';
import { prepareTarget } from '../../src/restore/prepare-target.js';
import { mongoClient, uniqueName } from '../harness/services.js';

describe('prepareTarget', () => {
  let client: MongoClient;
  const db = uniqueName('prep');
  before(() => void (client = mongoClient('head')));
  after(async () => {
    await client.db(db).dropDatabase();
    await client.close();
  });
  const coll = (coll: string, options = {}) => ({ ns: `src.${coll}`, target: { db, coll }, options });

  it('creates collections with their options and reports each option the server refuses or does not keep', async () => {
    const res = await prepareTarget(client, [
      coll('capped', { capped: true, size: 1_048_576, max: 100 }),
      coll('validated', { validator: { a: { $type: 'int' } }, validationLevel: 'strict', validationAction: 'error' }),
      coll('collated', { collation: { locale: 'fr', strength: 2 } }),
      coll('clustered', { clusteredIndex: { key: { _id: 1 }, unique: true } }),
    ], { drop: false });
    assert.deepEqual(res.created.sort(), ['capped', 'clustered', 'collated', 'validated'].map((c) => `${db}.${c}`));
    const [capped] = await client.db(db).listCollections({ name: 'capped' }).toArray();
    assert.equal((capped as { options: { capped?: boolean } }).options.capped, true, 'capped is kept');
    const refused = new Map(res.refused.map((r) => [r.ns, r.options]));
    // FerretDB 1.24; on MongoDB, `refused` is empty and every option is kept.
    assert.deepEqual(refused.get('src.validated'), ['validator', 'validationLevel', 'validationAction']);
    assert.deepEqual(refused.get('src.collated'), ['collation']);
    assert.deepEqual(refused.get('src.clustered'), ['clusteredIndex']);
    assert.equal(refused.has('src.capped'), false);
  });

  it('refuses non-empty targets before writing anything, naming them; drops them when asked', async () => {
    await client.db(db).collection('a').insertOne({ _id: 1 } as never);
    await client.db(db).collection('b').insertOne({ _id: 1 } as never);
    await assert.rejects(prepareTarget(client, [coll('a'), coll('b'), coll('fresh')], { drop: false }), (e) =>
      e instanceof TargetNotEmpty && e.message.includes(`'${db}.a'`) && e.message.includes(`'${db}.b'`));
    assert.equal((await client.db(db).listCollections({ name: 'fresh' }).toArray()).length, 0, 'nothing created');
    const res = await prepareTarget(client, [coll('a'), coll('b'), coll('fresh')], { drop: true });
    assert.deepEqual(res.dropped, [`${db}.a`, `${db}.b`]);
    assert.equal(await client.db(db).collection('a').countDocuments(), 0);
  });
});
