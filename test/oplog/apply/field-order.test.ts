/**
 * Field order survives the applier byte for byte, integer-like names included ("2023"), which a JS object
 * would move first: inserts, replacements, $v:2 diffs and $v:1 updates, in memory and on the head.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BSON, type MongoClient } from 'mongodb';
import { encodeOrdered } from '../../../src/lib/bson.js';
import { Applier } from '../../../src/oplog/apply/applier.js';
import { OplogApplier } from '../../../src/oplog/apply/index.js';
import { MemoryTarget } from '../../../src/oplog/apply/memory-target.js';
import { mongoClient, uniqueName, withService } from '../../harness/services.js';

type Fields = Array<[string, unknown]>;
const doc = (fields: Fields) => new Map<string, unknown>(fields);
const ui = new BSON.Binary(Buffer.from('2f3e4d5c6b7a48399a8b7c6d5e4f3a2b', 'hex'), 4);
let tick = 0;

/** An entry as mongod logs it, serialized in its own field order (the applier gets raw BSON). */
function entry(op: string, o: Map<string, unknown>, o2?: Map<string, unknown>): Uint8Array {
  tick += 1;
  const fields: Fields = [
    ['op', op],
    ['ns', 'shop.orders'],
    ['ui', ui],
    ['o', o],
  ];
  if (o2 !== undefined) fields.push(['o2', o2]);
  fields.push(
    ['ts', new BSON.Timestamp({ t: 1_717_243_260, i: tick })],
    ['t', 1n],
    ['v', 2n],
    ['wall', new Date(1_717_243_260_000 + tick)],
  );
  return BSON.serialize(doc(fields));
}

const entries = () => [
  entry(
    'i',
    doc([
      ['_id', 1],
      ['name', 'x'],
      ['2023', 5],
      [
        'nested',
        doc([
          ['b', 1],
          ['7', 2],
        ]),
      ],
    ]),
  ),
  entry(
    'i',
    doc([
      ['_id', 2],
      ['z', 1],
    ]),
  ),
  entry(
    'u',
    doc([
      ['$v', 2],
      [
        'diff',
        doc([
          ['i', doc([['2024', 7]])],
          [
            'snested',
            doc([
              ['u', doc([['7', 3]])],
              ['i', doc([['0', 1]])],
            ]),
          ],
        ]),
      ],
    ]),
    doc([['_id', 1]]),
  ),
  entry(
    'u',
    doc([
      ['_id', 2],
      ['z', 2],
      ['10', 'ten'],
      [
        'a',
        doc([
          ['5', 5],
          ['c', 1],
        ]),
      ],
    ]),
    doc([['_id', 2]]),
  ),
  entry(
    'u',
    doc([
      ['$v', 1],
      [
        '$set',
        doc([
          ['b', true],
          ['9', 9],
        ]),
      ],
    ]),
    doc([['_id', 2]]),
  ),
];

/** What the source holds afterwards, as bytes. */
const expected = [
  doc([
    ['_id', 1],
    ['name', 'x'],
    ['2023', 5],
    [
      'nested',
      doc([
        ['b', 1],
        ['7', 3],
        ['0', 1],
      ]),
    ],
    ['2024', 7],
  ]),
  doc([
    ['_id', 2],
    ['z', 2],
    ['10', 'ten'],
    [
      'a',
      doc([
        ['5', 5],
        ['c', 1],
      ]),
    ],
    ['b', true],
    ['9', 9],
  ]),
].map((d) => Buffer.from(BSON.serialize(d)).toString('hex'));

describe('field order through the applier', () => {
  it('keeps every field where the source has it, in memory (compared as raw BSON)', async () => {
    const target = new MemoryTarget();
    await new Applier(target, { mapNamespace: () => ({ db: 'shop', coll: 'orders' }) }).apply(entries());
    const docs = [...target.collections.get('shop.orders')!.docs.values()];
    assert.deepEqual(
      docs.map((d) => Buffer.from(encodeOrdered(d)).toString('hex')),
      expected,
    );
  });

  describe('on the head (FerretDB)', () => {
    let client: MongoClient;
    const db = uniqueName('fieldorder');
    before(async () => {
      client = mongoClient('head');
      await withService('head', () => client.db('admin').command({ ping: 1 }));
    });
    after(async () => {
      await client.db(db).dropDatabase();
      await client.close();
    });

    it('stores every field where the source has it (read back as raw BSON), also after a replay', async () => {
      const applier = new OplogApplier(client, { mapNamespace: () => ({ db, coll: 'orders' }) });
      const slice = entries();
      for (let pass = 1; pass <= 2; pass += 1) {
        await applier.apply(slice);
        const raw = await client
          .db(db)
          .collection('orders')
          .find({}, { raw: true, sort: { _id: 1 } })
          .toArray();
        assert.deepEqual(
          raw.map((b) => Buffer.from(b as unknown as Uint8Array).toString('hex')),
          expected,
          `pass ${pass}`,
        );
      }
    });
  });
});
