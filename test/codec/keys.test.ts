import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, describe, it } from 'node:test';
import { BlobKey, Keyring, loadKey, parseKeyText } from '../../src/codec/keys.js';
import { InvalidConfig } from '../../src/errors/domain-errors.js';

describe('encryption keys', () => {
  const raw = randomBytes(32);
  const dir = mkdtempSync(join(tmpdir(), 'headwater-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a key from an environment variable as hex or base64', () => {
    const env = { HW_KEY_HEX: raw.toString('hex'), HW_KEY_B64: `${raw.toString('base64')}\n` };
    assert.ok(loadKey({ env: 'HW_KEY_HEX' }, env).secret().equals(raw));
    assert.ok(loadKey({ env: 'HW_KEY_B64' }, env).secret().equals(raw));
  });

  it('reads a key file holding text or 32 raw bytes', () => {
    const text = join(dir, 'key.txt');
    const bin = join(dir, 'key.bin');
    writeFileSync(text, `${raw.toString('base64')}\n`);
    writeFileSync(bin, raw);
    assert.ok(loadKey({ file: text }).secret().equals(raw));
    assert.ok(loadKey({ file: bin, id: 'offsite' }).secret().equals(raw));
  });

  it('derives the default key id from the first 16 hex of sha-256 of the key', () => {
    const key = new BlobKey(raw);
    assert.equal(key.id, createHash('sha256').update(raw).digest('hex').slice(0, 16));
    assert.equal(new BlobKey(raw, 'prod').id, 'prod');
  });

  it('never shows the key bytes in JSON or inspection', () => {
    const key = new BlobKey(raw, 'prod');
    for (const shown of [JSON.stringify({ key }), inspect(key), inspect({ key }, { depth: 5 })]) {
      assert.ok(!shown.includes(raw.toString('hex')) && !shown.includes(raw.toString('base64')), shown);
      assert.ok(shown.includes('prod'));
    }
  });

  it('refuses bad keys and sources with InvalidConfig naming the source, not the key', () => {
    assert.throws(
      () => loadKey({ env: 'HW_MISSING' }, {}),
      (e: unknown) => e instanceof InvalidConfig && /HW_MISSING is not set/.test(e.message),
    );
    assert.throws(
      () => loadKey({ env: 'K' }, { K: randomBytes(16).toString('hex') }),
      /variable K is not 32 bytes/,
    );
    assert.throws(() => loadKey({ file: join(dir, 'absent') }), /unable to read encryption key file/);
    assert.throws(() => loadKey({ env: 'A', file: 'b' } as never), InvalidConfig);
    assert.throws(() => new BlobKey(raw, 'has space'), InvalidConfig);
    assert.throws(() => parseKeyText('not a key', 'test'), InvalidConfig);
  });

  it('keeps several keys by id and refuses two with the same id', () => {
    const ring = new Keyring([new BlobKey(raw, 'old'), new BlobKey(randomBytes(32), 'new')]);
    assert.deepEqual(ring.ids().sort(), ['new', 'old']);
    assert.ok(ring.get('old')?.secret().equals(raw));
    assert.equal(ring.get('other'), undefined);
    assert.throws(() => new Keyring([new BlobKey(raw, 'x'), new BlobKey(raw, 'x')]), /share the id 'x'/);
  });
});
