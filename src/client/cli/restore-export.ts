/**
 * `headwater restore export --snapshot <id> --to-dir <path>`: the snapshot in mongodump's directory layout,
 * written from the store directly (no workflow, like `snapshot verify`), so plain `mongorestore <dir>`
 * loads it on a machine without Headwater. Each file is checked against the manifest as it is written.
 */
import type { Command } from 'commander';
import { Keyring, loadKey } from '../../codec/keys.js';
import { loadConfig } from '../../config/load.js';
import { KeyRef } from '../../contracts/snapshot.js';
import { InvalidConfig } from '../../errors/domain-errors.js';
import { exportDump } from '../../restore/export-dump.js';
import { readManifest } from '../../snapshot/decode-snapshot.js';
import { parseSnapshotRef } from '../../snapshot/snapshot-keys.js';
import { createDeps } from '../../worker/deps.js';
import { print } from './context.js';

interface ExportOptions { snapshot: string; toDir: string; keyEnv?: string; keyFile?: string; keyId?: string; json?: boolean }

function keyring(o: ExportOptions): Keyring | undefined {
  if (o.keyEnv === undefined && o.keyFile === undefined) return undefined;
  const k = KeyRef.safeParse({ id: o.keyId, env: o.keyEnv, file: o.keyFile });
  if (!k.success) throw new InvalidConfig(`invalid encryption key options: ${k.error.issues[0]?.message}`);
  return new Keyring([loadKey(k.data)]);
}

export function registerRestoreExport(restore: Command, guarded: <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>): void {
  restore
    .command('export')
    .description("write a snapshot in mongodump's directory layout (<db>/<coll>.bson and .metadata.json)")
    .requiredOption('--snapshot <id>', 'snapshot id (<jobId>/<ts key>)')
    .requiredOption('--to-dir <path>', 'directory to write')
    .option('--key-env <var>', 'environment variable holding the AES-256 key')
    .option('--key-file <path>', 'file holding the AES-256 key')
    .option('--key-id <id>', 'the key id the snapshot was encrypted under')
    .option('--json', 'print JSON')
    .action(guarded(async (o: ExportOptions) => {
      const ref = parseSnapshotRef(o.snapshot);
      const keys = keyring(o);
      const deps = createDeps(loadConfig());
      try {
        const rec = await deps.catalog.snapshots.get(ref.id);
        const store = deps.store(rec.store);
        const files = await exportDump({ store, manifest: await readManifest(store, rec.manifestKey), dir: o.toDir, keyring: keys });
        print(files, o.json === true, () => [...files.map((f) => `${f.ns}: ${f.count} documents -> ${f.bson}`), `exported ${files.length} collections to ${o.toDir}`].join('\n'));
      } finally {
        await deps.close();
      }
    }));
}
