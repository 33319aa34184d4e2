/**
 * docs/configuration.md is generated from the zod schemas (scripts/config-reference.ts): this fails when a
 * schema changed and the committed reference was not regenerated, and names the command that fixes it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configurationReference, REFERENCE_PATH } from '../../scripts/config-reference.js';

describe('configuration reference', () => {
  it('docs/configuration.md equals what the schemas generate', () => {
    const generated = configurationReference();
    assert.ok(generated.includes('| `temporal.address` | string | default `127.0.0.1:7233`'), 'a default from the schema');
    assert.ok(generated.includes('| `retention.keep.daily` | integer | default `7`'), "a job's default");
    assert.equal(readFileSync(REFERENCE_PATH, 'utf8'), generated, 'docs/configuration.md is out of date: run npx tsx scripts/config-reference.ts');
  });
});
