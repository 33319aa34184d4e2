/**
 * Runs last in `npm test` (scripts/test.sh): exports the history of every workflow the suite started on
 * the dev server (since HW_SUITE_STARTED_AT, else the last 24 hours) and the logs of every worker process
 * the tests started, and finds no password, secret key, encryption key or URI with credentials in any
 * payload, failure message or search attribute (scanner.ts; its own test plants each kind of secret).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { services } from '../harness/services.js';
import { connectTemporal } from '../harness/temporal.js';
import { workerLogDir } from '../harness/worker-process.js';
import { findSecrets, scanHistories, secretsFromEnv, type Finding } from './scanner.js';

const since = process.env.HW_SUITE_STARTED_AT ?? new Date(Date.now() - 24 * 3600_000).toISOString();
/** The test services' own secrets, and this process's secret variables. */
const known = [services.minio.secretAccessKey, 'not-the-minio-secret', 'wrongpw', 'Sup3rSecretPw', ...secretsFromEnv()];

describe('no secret in any workflow history or worker log of the suite', () => {
  it(`workflow histories since ${since}: every kind, payloads, failures and search attributes`, async () => {
    const t = await connectTemporal();
    try {
      const { runs, kinds, findings } = await scanHistories(t.client, `StartTime > '${since}'`, known);
      for (const kind of ['backupJob', 'initialSync', 'follow', 'snapshot', 'groom', 'restore']) assert.ok(kinds.has(kind), `a ${kind} workflow was scanned (found: ${[...kinds].join(', ')})`);
      assert.deepEqual(findings, [], `${findings.length} secrets in ${runs} histories`);
    } finally {
      await t.connection.close();
    }
  });

  it('the logs of the worker processes the tests started', async () => {
    const dir = workerLogDir();
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.log'));
    const findings: Finding[] = [];
    for (const f of files) findings.push(...findSecrets(await readFile(join(dir, f), 'utf8'), f, known));
    assert.deepEqual(findings, [], `${findings.length} secrets in ${files.length} worker logs`);
  });
});
