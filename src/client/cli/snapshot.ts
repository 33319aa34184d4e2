/**
 * `headwater snapshot take|list|verify`, each a workflow a worker runs, started through the client: the
 * CLI holds no catalog, store or key, only Temporal (a key is named by the variable or file that holds it
 * in the worker's environment). Verify exits non-zero when any chunk or collection fails its check,
 * naming each bad chunk and the collections it belongs to.
 */
import type { Command } from 'commander';
import { KeyRef, SNAPSHOT_PHASES } from '../../contracts/snapshot.js';
import { InvalidConfig } from '../../errors/domain-errors.js';
import { describeReport } from '../../snapshot/verify-snapshot.js';
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

const keyOptions = (c: Command) =>
  c
    .option('--key-env <var>', "the worker's environment variable holding the AES-256 key (hex or base64)")
    .option('--key-file <path>', "file holding the AES-256 key, on the worker's host")
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
    .description("a job's snapshots, oldest first (read from the catalog by a worker)")
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) =>
      withClient(async (client) => {
        const list = await client.catalog.listSnapshots(jobId);
        print(
          list,
          o.json,
          () =>
            list
              .map((r) => `${r._id}  ts ${r.ts}  ${r.documents} docs  ${r.bytes} bytes  store ${r.store}`)
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
      withClient(async (client) => {
        // A worker reads the store with the key it resolves; the CLI follows its heartbeated progress.
        const run = await client.catalog.startVerify({ snapshot: ref, store: o.store, encryption: keyRef(o) });
        const report = await withProgress(
          progressBar('verify', { json: o.json }),
          run.result,
          () => client.catalog.verifyProgress(run.workflowId),
          (p) => ({ value: p.collections, total: p.total, label: `${p.collections} collections, ${p.chunksRead} chunks read` }),
        );
        print(report, o.json, () => describeReport(report));
        if (!report.ok) process.exitCode = 1;
      }),
    );
}
