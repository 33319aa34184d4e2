/**
 * `headwater restore export --snapshot <id> --to-dir <path>`: the snapshot in mongodump's directory layout,
 * so plain `mongorestore <dir>` loads it on a machine without Headwater. A worker writes it (a
 * `job/<jobId>/export/<request>` workflow: the CLI holds no catalog, store or key), so the directory is
 * on the worker's host: a relative path is resolved against the CLI's working directory and sent absolute.
 * Each file is checked against the manifest as it is written.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KeyRef } from '../../contracts/snapshot.js';
import { InvalidConfig } from '../../errors/domain-errors.js';
import { print, withClient } from './context.js';

interface ExportOptions { snapshot: string; toDir: string; keyEnv?: string; keyFile?: string; keyId?: string; json?: boolean }

/** The key named on the command line, as a reference the worker resolves (never the key itself). */
function keyRef(o: ExportOptions): KeyRef | undefined {
  if (o.keyEnv === undefined && o.keyFile === undefined) return undefined;
  const k = KeyRef.safeParse({ id: o.keyId, env: o.keyEnv, file: o.keyFile });
  if (!k.success) throw new InvalidConfig(`invalid encryption key options: ${k.error.issues[0]?.message}`);
  return k.data;
}

export function registerRestoreExport(restore: Command, guarded: <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>): void {
  restore
    .command('export')
    .description("write a snapshot in mongodump's directory layout (<db>/<coll>.bson and .metadata.json), on the worker's host")
    .requiredOption('--snapshot <id>', 'snapshot id (<jobId>/<ts key>)')
    .requiredOption('--to-dir <path>', "directory to write on the worker's host (a relative path is resolved against this command's working directory)")
    .option('--key-env <var>', "the worker's environment variable holding the AES-256 key")
    .option('--key-file <path>', "file holding the AES-256 key, on the worker's host")
    .option('--key-id <id>', 'the key id the snapshot was encrypted under')
    .option('--json', 'print JSON')
    .action(guarded(async (o: ExportOptions) => {
      const dir = resolve(o.toDir);
      const encryption = keyRef(o);
      await withClient(async (client) => {
        const files = await client.catalog.exportSnapshot({ snapshot: o.snapshot, toDir: dir, encryption });
        print(files, o.json === true, () => [...files.map((f) => `${f.ns}: ${f.count} documents -> ${f.bson}`), `exported ${files.length} collections to ${dir} on the worker's host`].join('\n'));
      });
    }));
}
