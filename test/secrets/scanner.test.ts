import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { findSecrets, secretsFromEnv } from './scanner.js';

describe('the secret scanner catches what it must, and only that', () => {
  const key = randomBytes(32);
  const planted: Array<[string, string]> = [
    ['a uri with a password', '{"failure":{"message":"cannot connect to mongodb://backup:hunter22@db1:27017/?replicaSet=rs0"}}'],
    ['a uri with a password', 'level=40 msg="dial mongodb+srv://ops:p%40ss@cluster0.example.net/x"'],
    ["a value in 'password'", '{"connection":{"user":"backup","password":"hunter22"}}'],
    ["a value in 'secretAccessKey'", '{"s3":{"secretAccessKey":"wJalrXUtnFEMI/K7MDENG"}}'],
    ["a value in 'key'", `{"encryption":{"key":"${key.toString('hex')}"}}`],
    ["a value in 'key'", `{"encryption":{"key":"${key.toString('base64')}"}}`],
    ['a known secret value', `{"memo":"${key.toString('hex').slice(0, 20)}"}`],
  ];
  for (const [what, text] of planted) {
    it(`finds ${what}`, () => {
      const found = findSecrets(text, 'planted', [key.toString('hex').slice(0, 20)]);
      assert.ok(found.some((f) => f.what === what), JSON.stringify(found));
    });
  }

  it('passes redacted uris, variable names, ids and chunk hashes', () => {
    const clean = [
      '{"message":"authentication to mongodb://backup:***@db1:27017 failed"}',
      '{"source":{"uriEnv":"HEADWATER_SOURCE_URI"},"secretAccessKeyEnv":"HEADWATER_S3_SECRET_ACCESS_KEY"}',
      `{"key":"chunks/1d/${'1d'.repeat(32)}","keyId":"prod-2025","encryption":{"id":"k1","env":"HEADWATER_KEY_K1"}}`,
      '{"uri":"mongodb://127.0.0.1:27117/?replicaSet=rs0"}',
    ].join('\n');
    assert.deepEqual(findSecrets(clean, 'clean', []), []);
  });

  it('knows the secret variables of its environment, not the others', () => {
    assert.deepEqual(secretsFromEnv({ MINIO_ROOT_PASSWORD: 'long-secret-1', HEADWATER_KEY_K1: 'abcdefgh12', PATH: '/usr/bin:/bin', HW_BI_S3_ID: 'headwater' }), ['long-secret-1', 'abcdefgh12']);
  });
});
