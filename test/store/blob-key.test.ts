import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidConfig } from '../../src/errors/domain-errors.js';
import {
  assertBlobKey,
  assertBlobPrefix,
  blobKeyProblem,
  prefixUpperBound,
} from '../../src/store/blob-key.js';

describe('blob keys', () => {
  it('accepts the layout’s keys and printable ascii paths', () => {
    for (const key of ['chunks/ab/abcdef', 'manifests/j-1/0001-0002.json', 'a', 'x/y_z=1+2,@:~']) {
      assert.equal(blobKeyProblem(key), undefined, key);
    }
  });

  it('refuses keys that are empty, escape, hide, or use unsafe characters, naming the reason', () => {
    const cases: [string, RegExp][] = [
      ['', /must not be empty/],
      ['../x', /starts with '\.'/],
      ['/x', /empty segments/],
      ['x/', /empty segments/],
      ['a\\b', /printable ascii/],
      ['a\nb', /printable ascii/],
      ['x'.repeat(901), /longer than 900/],
      [`a/${'y'.repeat(256)}`, /longer than 255/],
    ];
    for (const [key, why] of cases) {
      assert.throws(
        () => assertBlobKey(key),
        (err: unknown) => err instanceof InvalidConfig && why.test(err.message),
      );
    }
  });

  it('accepts partial prefixes but not ones that climb out', () => {
    assertBlobPrefix('');
    assertBlobPrefix('chunks/a');
    assertBlobPrefix('chunks/');
    assert.throws(() => assertBlobPrefix('../'), InvalidConfig);
    assert.throws(() => assertBlobPrefix('a//'), InvalidConfig);
  });

  it('bounds a prefix range from above', () => {
    assert.equal(prefixUpperBound(''), undefined);
    assert.equal(prefixUpperBound('chunks/'), 'chunks0');
    const upper = prefixUpperBound('p/a')!;
    for (const inside of ['p/a', 'p/a/0', 'p/a~~~', 'p/ab']) assert.ok(inside < upper, inside);
    assert.ok(!('p/b' < upper));
  });
});
