/**
 * `headwater snapshot take|list|verify`. `take` starts a workflow through the client;
 * `list` and `verify` read the catalog and the store directly. Verify exits non-zero when any chunk or
 * collection fails its check, naming each bad chunk and the collections it belongs to.
 */
import type { Command } from 'commander';
import { Keyring, loadKey } from '../../codec/keys.js';
import { loadConfig } from '../../config/load.js';
import { KeyRef, SNAPSHOT_PHASES } from '../../contracts/snapshot.js';
import { InvalidConfig } from '../../errors/domain-errors.js';
import { tsToString } from '../../lib/bson.js';
import { readManifest } from '../../snapshot/decode-snapshot.js';
import { parseSnapshotRef } from '../../snapshot/snapshot-keys.js';
import { describeReport, verifySnapshot } from '../../snapshot/verify-snapshot.js';
import type { Deps } from '../../activities/deps.js';
import { createDeps } from '../../worker/deps.js';
import { print, withClient } from './context.js';
import { syncNumber } from './options.js';
import { phaseReading, progressBar, withProgress } from './progress.js';

interface KeyOptions {
  keyEnv?: string;
  keyFile?: string;
  keyId?: string;
}

/** The key named on the command line, as a reference the worker resolves (never the key itself). */
function keyRef(o: KeyOptions): KeyRef | undefined {
  if (o.keyEnv === undefined && o.keyFile === undefined) return undefined;
  const r = KeyRef.safeParse({ id: o.keyId, env: o.keyEnv, file: o.keyFile });
  if (!r.success) throw new InvalidConfig(`invalid encryption key options: ${r.error.issues[0]?.message}`);
  return r.data;
}

async function withDeps<T>(fn: (deps: Deps) => Promise<T>): Promise<T> {
  const deps = createDeps(loadConfig());
  try {
    return await fn(deps);
  } finally {
    await deps.close();
  }
}

const keyOptions = (c: Command) =>
  c
    .option('--key-env <var>', 'environment variable holding the AES-256 key (hex or base64)')
    .option('--key-file <path>', 'file holding the AES-256 key')
    .option('--key-id <id>', 'the key id recorded in the snapshot (default: its fingerprint)');

export function registerSnapshotCommands(program: Command): void {
  const snapshot = program
    .command('snapshot')
    .description('snapshots of a job head: take, list, verify');
  keyOptions(
    snapshot.command('take <jobId>').description('take a snapshot of the head at a consistent timestamp'),
  )
    .option('--store <id>', 'snapshot store id', 'default')
    .option('--sync-number <n>', 'the initial sync whose head to snapshot', syncNumber, 1)
    .option('--compression <c>', 'zstd, gzip or none', 'zstd')
    .option('--no-wait', 'return once started')
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) =>
      withClient(async (client) => {
        const id = await client.startSnapshot({
          jobId,
          store: o.store,
          syncNumber: o.syncNumber as number,
          compression: o.compression,
          encryption: keyRef(o),
        });
        if (!o.wait) return print({ workflowId: id }, o.json, () => `started ${id}`);
        const r = await withProgress(
          progressBar('snapshot', { json: o.json }),
          client.snapshotResult(id),
          () => client.snapshotStatus(id),
          (s) => phaseReading(SNAPSHOT_PHASES, s.phase, s.ts === undefined ? '' : `head at ${s.ts}`),
        );
        print(
          r,
          o.json,
          () =>
            `snapshot ${r.snapshotId} at ${r.ts}: ${r.totals.documents} documents in ${r.totals.collections} collections, ` +
            `${r.totals.chunks} chunks (${r.totals.newChunks} new, ${r.totals.newStoredBytes} bytes stored)`,
        );
      }),
    );
  snapshot
    .command('list <jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) =>
      withDeps(async (deps) => {
        const list = await deps.catalog.snapshots.list(jobId);
        print(
          list.map((r) => ({ ...r, ts: tsToString(r.ts) })),
          o.json,
          () =>
            list
              .map(
                (r) =>
                  `${r._id}  ts ${tsToString(r.ts)}  ${r.documents} docs  ${r.bytes} bytes  store ${r.store}`,
              )
              .join('\n') || 'no snapshots',
        );
      }),
    );
  keyOptions(
    snapshot
      .command('verify <snapshotId>')
      .description('re-read every chunk; check hashes, counts and content hashes'),
  )
    .option('--store <id>', 'read the manifest from this store instead of the one the catalog names')
    .option('--json', 'print JSON')
    .action(async (ref: string, o) =>
      withDeps(async (deps) => {
        const s = parseSnapshotRef(ref);
        const storeId: string = o.store ?? (await deps.catalog.snapshots.get(s.id)).store;
        const store = deps.store(storeId);
        const key = keyRef(o);
        const manifest = await readManifest(store, s.manifestKey);
        const bar = progressBar('verify', { json: o.json });
        const report = await verifySnapshot({
          store,
          manifest,
          keyring: new Keyring(key === undefined ? [] : [loadKey(key)]),
          onProgress: (p) =>
            bar.update({ value: p.collections, total: manifest.collections.length, label: `${p.collections} collections, ${p.chunksRead} chunks read` }),
        }).finally(() => bar.stop());
        print(report, o.json, () => describeReport(report));
        if (!report.ok) process.exitCode = 1;
      }),
    );
}
