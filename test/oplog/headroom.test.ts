import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient, Timestamp } from 'mongodb';
import { OldestOplogMemo, headroomSeconds, oldestOplogTs } from '../../src/oplog/headroom.js';
import { services } from '../harness/services.js';

describe('oplog headroom on the real source', () => {
  let source: MongoClient;
  let reads = 0;
  const count = (e: { command: { find?: unknown } }) => void (e.command.find === 'oplog.rs' && (reads += 1));

  before(() => {
    source = new MongoClient(services.source.uri, { monitorCommands: true });
    source.on('commandStarted', count);
  });
  after(async () => {
    source.off('commandStarted', count);
    await source.close();
  });

  it('is the seconds between the oldest entry and the position, and unknown for an empty oplog', () => {
    const oldest = new Timestamp({ t: 1_700_000_000, i: 3 });
    assert.equal(headroomSeconds(new Timestamp({ t: 1_700_000_090, i: 1 }), oldest), 90);
    assert.equal(headroomSeconds(new Timestamp({ t: 1_699_999_000, i: 1 }), oldest), 0);
    assert.equal(headroomSeconds(oldest, undefined), null);
  });

  it('reads the oldest entry once per interval and key, and again once the interval is over', async () => {
    let clock = 0;
    const memo = new OldestOplogMemo(30_000, () => clock);
    const expected = await oldestOplogTs(source);
    reads = 0;
    const first = await memo.get('job-a/source', source);
    clock = 29_999;
    const again = await memo.get('job-a/source', source);
    assert.equal(reads, 1, 'the second call within 30 s did not read the oplog');
    await memo.get('job-b/source', source);
    assert.equal(reads, 2, 'another job reads for itself');
    clock = 30_000;
    await memo.get('job-a/source', source);
    assert.equal(reads, 3, 'after 30 s the oldest entry is read again');
    assert.ok(first !== undefined && expected !== undefined && again !== undefined);
    assert.ok(first.gte(expected), 'the oldest entry only moves forward');
    assert.ok(again.equals(first));
  });
});
