import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { InvalidConfig } from '../../src/errors/domain-errors.js';
import { assertBlobKey } from '../../src/store/blob-key.js';
import {
  chunkKey,
  manifestKey,
  manifestPrefix,
  parseChunkKey,
  parseManifestKey,
  slicePrefix,
} from '../../src/store/layout.js';

const sha = createHash('sha256').update('a chunk').digest('hex');

describe('store layout', () => {
  it('names a chunk by its sha256 under a two-hex fan-out, and parses it back', () => {
    const key = chunkKey(sha);
    assert.equal(key, `chunks/${sha.slice(0, 2)}/${sha}`);
    assertBlobKey(key);
    assert.equal(parseChunkKey(key), sha);
  });

  it('refuses malformed chunk ids and does not parse foreign keys as chunks', () => {
    assert.throws(() => chunkKey(sha.toUpperCase()), InvalidConfig);
    assert.throws(() => chunkKey(sha.slice(1)), InvalidConfig);
    assert.equal(parseChunkKey(`chunks/zz/${sha}`), undefined, 'fan-out must match the hash');
    assert.equal(parseChunkKey(`chunks/${sha.slice(0, 2)}/${sha}.tmp`), undefined);
    assert.equal(parseChunkKey(`manifests/j/${sha}`), undefined);
  });

  it('names a manifest by job and timestamp so that a job lists in time order', () => {
    const early = new Timestamp({ t: 9, i: 12 });
    const late = new Timestamp({ t: 1_795_277_617, i: 2 });
    const k1 = manifestKey('job-1', early);
    const k2 = manifestKey('job-1', late);
    assert.equal(k2, 'manifests/job-1/0001795277617-0000000002.json');
    assert.ok(k1 < k2, 'fixed-width timestamps sort as times');
    assert.ok(k1.startsWith(manifestPrefix('job-1')));
    const parsed = parseManifestKey(k2);
    assert.equal(parsed?.jobId, 'job-1');
    assert.equal(parsed?.tsKey, '0001795277617-0000000002');
    assert.ok(parsed?.at.equals(late));
    assert.equal(parseManifestKey('manifests/job-1/latest.json'), undefined);
  });

  it('refuses job ids that would break the layout', () => {
    for (const bad of ['a/b', '..', '.x', '', 'has space']) {
      assert.throws(() => manifestKey(bad, new Timestamp({ t: 1, i: 1 })), InvalidConfig, bad);
      assert.throws(() => slicePrefix(bad), InvalidConfig, bad);
    }
  });

  it('reserves slices/ for the slice module', () => {
    assert.equal(slicePrefix(), 'slices/');
    assert.equal(slicePrefix('job-1'), 'slices/job-1/');
    assert.equal(manifestPrefix(), 'manifests/');
  });
});
