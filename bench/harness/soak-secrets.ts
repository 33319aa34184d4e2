/**
 * The soak's secret scan (issue 15, "Secrets"): every workflow history on the soak's own Temporal server
 * (job, sync, follow, snapshot, groom, restore and the short lookups, across restarts) and everything its
 * worker printed, scanned with the suite's scanner for the soak's S3 secret, its encryption key, any
 * secret variable of this process and any URI with a password. The suite's own scan
 * (test/secrets/history-scan.test.ts) sees only the shared dev server, never the soak's.
 */
import { readFile } from 'node:fs/promises';
import { findSecrets, scanHistories, secretsFromEnv, type Finding } from '../../test/secrets/scanner.js';
import type { SoakRig } from './soak-setup.js';

export async function scanSoakSecrets(rig: SoakRig): Promise<{ findings: number; line: string }> {
  // The S3 access key id is a user name ('headwater', in every database and queue name), not a secret.
  const workerSecrets = Object.fromEntries(Object.entries(rig.worker.baseEnv).filter(([k]) => !/ACCESS_KEY/.test(k)));
  const known = [...secretsFromEnv(workerSecrets), ...secretsFromEnv()];
  const { runs, kinds, findings } = await scanHistories(rig.client.temporal, undefined, known);
  const log = await readFile(rig.worker.logFile, 'utf8').catch(() => '');
  const all: Finding[] = [...findings, ...findSecrets(log, 'the worker log', known)];
  const first = all.slice(0, 3).map((f) => `${f.what} in ${f.where}: ${f.excerpt}`);
  return {
    findings: all.length,
    line: `secret scan: ${runs} workflow histories (${[...kinds].sort().join(', ')}) and ${log.length} characters of worker log, ${all.length} secrets${first.length > 0 ? `: ${first.join(' | ')}` : ''}`,
  };
}
