/**
 * After a bulk load into the source: FerretDB's capped cleanup cannot trim an oplog that a load outran by
 * far (docs/ferretdb-findings.md), and every later oplog read would scan gigabytes. The services' own
 * init script replaces such an oplog; the load itself is setup, not part of what is measured.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export async function settleSourceOplog(): Promise<string> {
  const { stderr } = await promisify(execFile)(process.execPath, ['scripts/init-services.mjs', 'source'], {
    env: process.env,
  });
  return stderr.trim();
}
