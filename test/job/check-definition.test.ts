/**
 * A job definition's references, checked against a worker's configuration before the job is created:
 * each unknown connection, store or key is refused with its type, naming the job and the field, and never
 * with a URI or key material. Pure: nothing connects.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConnectionRegistry } from '../../src/config/connections.js';
import { parseConfig } from '../../src/config/load.js';
import { JobDefinition, type JobDefinitionInput } from '../../src/contracts/job.js';
import { checkJobDefinition } from '../../src/job/check-definition.js';

const config = parseConfig({
  connections: { src: { uri: 'mongodb://ops:Sup3rSecret@127.0.0.1:1/' }, head: { uri: 'mongodb://127.0.0.1:2/' }, viaEnv: { uriEnv: 'HW_TEST_UNSET_URI' } },
  stores: { default: { type: 'fs', path: '/tmp/x' }, slices: { type: 'fs', path: '/tmp/y' } },
});
const key = randomBytes(32).toString('hex');
const refs = { connections: new ConnectionRegistry(config.connections, {}), stores: config.stores, env: { HEADWATER_KEY_K1: key } };
const check = (d: Partial<JobDefinitionInput>) => () => checkJobDefinition(JobDefinition.parse({ jobId: 'j1', source: 'src', ...d }), refs);

describe('checkJobDefinition', () => {
  it('accepts a definition whose connections, stores and key the worker has', () => {
    check({ sliceStore: 'slices', encryptionKeyId: 'k1' })();
  });
  const refused: Array<[string, Partial<JobDefinitionInput>, string, RegExp]> = [
    ['an unknown source', { source: 'nosuch' }, 'ConnectionNotFound', /^cannot create job 'j1': source: unknown connection 'nosuch' \(configured: src, head, viaEnv\)$/],
    ['an unknown head', { head: 'nosuch' }, 'ConnectionNotFound', /^cannot create job 'j1': head: unknown connection 'nosuch'/],
    ['a source whose uri variable is unset', { source: 'viaEnv' }, 'InvalidConfig', /^cannot create job 'j1': source: connection 'viaEnv': environment variable 'HW_TEST_UNSET_URI' is not set$/],
    ['an unknown store', { store: 'nosuch' }, 'InvalidConfig', /^cannot create job 'j1': store: unknown store 'nosuch' \(configured: default, slices\)$/],
    ['an unknown slice store', { sliceStore: 'nosuch' }, 'InvalidConfig', /: sliceStore: unknown store 'nosuch'/],
    ['a key whose variable is unset', { encryptionKeyId: 'k2' }, 'InvalidConfig', /: encryptionKeyId: the encryption key variable HEADWATER_KEY_K2 is not set$/],
  ];
  for (const [what, d, type, message] of refused) {
    it(`refuses ${what} (${type})`, () => {
      assert.throws(check(d), (err: Error & { type?: string }) => {
        assert.equal(err.type, type);
        assert.match(err.message, message);
        assert.doesNotMatch(err.message, /Sup3rSecret|mongodb:\/\/|[0-9a-f]{64}/);
        return true;
      });
    });
  }
});
