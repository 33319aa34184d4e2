/**
 * `headwater restore start|status|list|window|export`. `start`, `status` and `list` go through the client
 * (the restore runs as a workflow on the workers); `window` reads the catalog, `export` reads the snapshot
 * store directly. Exit codes: 0 ok, 1 failed, 2 refused input (bad options, unknown snapshot or job, a
 * time outside the window, a target not empty): nothing was written. Errors are one line.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { RestoreInput, RestoreResult, RestoreStatus } from '../../contracts/restore.js';
import { KeyRef } from '../../contracts/snapshot.js';
import { HeadwaterError, InvalidConfig } from '../../errors/domain-errors.js';
import { REFUSAL_TYPES } from '../../errors/exit-codes.js';
import { RestoreFailure } from '../restore-failure.js';
import { print, withClient } from './context.js';
import { progressBar, withProgress } from './progress.js';
import { registerRestoreExport } from './restore-export.js';

const REFUSED = 2;
const FAILED = 1;

/** A whole-number option within bounds; commander reports the option and the value. */
export const intOption = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};
const collect = (value: string, previous: string[]) => [...previous, value];

/** Ends the command with one line and the exit code the error deserves. */
export function fail(err: unknown): void {
  const refused = (err instanceof RestoreFailure && err.refused) || (err instanceof HeadwaterError && REFUSAL_TYPES.has(err.type));
  console.error(`headwater: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  process.exitCode = refused ? REFUSED : FAILED;
}

const guarded = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => async (...args: A) => fn(...args).catch(fail);

interface StartOptions {
  snapshot?: string; job?: string; toTime?: string; target: string; ns: string[]; rename: string[]; drop?: boolean;
  keyEnv?: string; keyFile?: string; keyId?: string; id?: string; batchDocs?: number; parallelism?: number; wait?: boolean; json?: boolean;
}

/** The restore's input from the command line; exactly one of --snapshot or --job with --to-time. */
function startInput(o: StartOptions): Omit<RestoreInput, 'restoreId'> & { restoreId?: string } {
  if ((o.snapshot === undefined) === (o.job === undefined)) throw new InvalidConfig('give either --snapshot <id>, or --job <id> with --to-time <time>');
  if ((o.job === undefined) !== (o.toTime === undefined)) throw new InvalidConfig('--job and --to-time go together (a point-in-time restore); --snapshot restores a whole snapshot');
  let encryption: KeyRef | undefined;
  if (o.keyEnv !== undefined || o.keyFile !== undefined) {
    const k = KeyRef.safeParse({ id: o.keyId, env: o.keyEnv, file: o.keyFile });
    if (!k.success) throw new InvalidConfig(`invalid encryption key options: ${k.error.issues[0]?.message}`);
    encryption = k.data;
  }
  return {
    restoreId: o.id,
    from: o.snapshot !== undefined ? { snapshotId: o.snapshot } : { jobId: o.job!, toTime: o.toTime! },
    target: o.target, namespaces: o.ns, renames: o.rename, drop: o.drop === true, encryption,
    batchDocs: o.batchDocs, parallelism: o.parallelism,
  };
}

export function describeResult(r: RestoreResult): string {
  const replay = r.replay === undefined ? '' : `; replayed ${r.replay.entries} oplog entries to ${r.toTs}, last op ${r.replay.lastOp === null ? 'none' : `${r.replay.lastOp.ts} on ${r.replay.lastOp.ns}`}`;
  const failed = r.indexes.failed.length === 0 ? '' : ` (${r.indexes.failed.length} refused by the target: ${r.indexes.failed.map((f) => `${f.ns} ${f.name}`).join(', ')})`;
  return [
    `restore ${r.restoreId} complete: snapshot ${r.snapshotId} onto '${r.target}', ${r.documents} documents in ${r.collections.length} collections, each verified by count and content hash${replay}`,
    `indexes: ${r.indexes.built} built${failed}`,
  ].join('\n');
}

export function describeStatus(s: RestoreStatus): string {
  const plan = s.plan === undefined ? '' : ` snapshot ${s.plan.snapshotId}${s.plan.toTs === undefined ? '' : ` to ${s.plan.toTs}`}`;
  return [
    `restore ${s.restoreId}: ${s.phase}${plan}, ${s.counts.documents} of ${s.counts.expectedDocuments} documents, ${s.counts.collections} collections done`,
    ...Object.entries(s.collections).map(([ns, c]) => `  ${ns} -> ${c.target}: ${c.done ? `${c.docs} documents` : `${c.expected} to restore`}`),
    ...(s.verification ?? []).filter((v) => !v.ok).map((v) => `  MISMATCH ${v.target}: ${v.count} documents, the snapshot has ${v.expectedCount}`),
    ...(s.replay === undefined ? [] : [`  replay: ${s.replay.entries} entries, last op ${s.replay.lastOp === null ? 'none' : `${s.replay.lastOp.ts} on ${s.replay.lastOp.ns}`}`]),
    ...(s.failure === undefined ? [] : [`  failed while ${s.failure.phase}: ${s.failure.type}: ${s.failure.message}`]),
  ].join('\n');
}

export function registerRestoreCommands(program: Command): void {
  const restore = program.command('restore').description('restore a snapshot, or a job at a point in time, onto a target');
  // A usage error (a missing or malformed option) is refused input: exit 2, not commander's 1.
  restore.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : REFUSED)).showHelpAfterError(false);
  restore
    .command('start')
    .description('start a restore; without --wait, returns once it is past its refusals')
    .option('--snapshot <id>', 'restore this whole snapshot (<jobId>/<ts key>)')
    .option('--job <id>', 'restore this job at --to-time')
    .option('--to-time <time>', 'ISO second (all of it, inclusive) or <seconds>,<increment> (exactly that entry)')
    .requiredOption('--target <connection>', 'connection id of the target deployment')
    .option('--ns <db[.coll]>', 'restore only this database or collection (repeatable)', collect, [])
    .option('--rename <from=to>', 'db.coll=db2.coll2 or db=db2 (repeatable)', collect, [])
    .option('--drop', 'replace target collections that hold documents')
    .option('--key-env <var>', 'environment variable (on the worker) holding the AES-256 key')
    .option('--key-file <path>', 'file (on the worker) holding the AES-256 key')
    .option('--key-id <id>', 'the key id the snapshot was encrypted under')
    .option('--id <restoreId>', 'restore id (default: made up)')
    .option('--batch-docs <n>', 'documents per insert batch', intOption(1, 100_000))
    .option('--parallelism <n>', 'collections restored at once', intOption(1, 16))
    .option('--wait', 'wait for the restore to end and print its result')
    .option('--json', 'print JSON')
    .action(guarded(async (o: StartOptions) => {
      const input = startInput(o);
      await withClient(async (client) => {
        const { restoreId, workflowId } = await client.startRestore(input);
        if (o.wait !== true) return print({ restoreId, workflowId }, o.json === true, () => `started ${workflowId}`);
        const r = await withProgress(
          progressBar('restore', { json: o.json }),
          client.restoreResult(restoreId),
          () => client.restoreStatus(restoreId),
          (s) => ({ value: s.counts.documents, total: s.counts.expectedDocuments, label: `${s.phase}: ${s.counts.documents} of ${s.counts.expectedDocuments} documents` }),
        );
        print(r, o.json === true, () => describeResult(r));
      });
    }));
  restore
    .command('status <restoreId>')
    .option('--json', 'print JSON')
    .action(guarded(async (restoreId: string, o: { json?: boolean }) =>
      withClient(async (client) => {
        const s = await client.restoreStatus(restoreId);
        print(s, o.json === true, () => describeStatus(s));
        if (s.phase === 'failed') process.exitCode = FAILED;
      }),
    ));
  restore
    .command('list')
    .option('--json', 'print JSON')
    .action(guarded(async (o: { json?: boolean }) =>
      withClient(async (client) => {
        const list = await client.listRestores();
        print(list, o.json === true, () =>
          list.map((r) => `${r.restoreId}  ${r.status.toLowerCase()}  ${r.phase ?? '-'}  job ${r.jobId ?? '-'}  started ${r.startTime.toISOString()}`).join('\n') || 'no restores',
        );
      }),
    ));
  restore
    .command('window')
    .description('the first and last restorable second of a job')
    .requiredOption('--job <id>', 'job id')
    .option('--json', 'print JSON')
    .action(guarded(async (o: { job: string; json?: boolean }) =>
      withClient(async (client) => {
        // A worker computes it from the catalog: the CLI needs only Temporal.
        const w = await client.jobs.restoreWindow(o.job);
        print(w, o.json === true, () =>
          w.ranges.map((r) => `job ${w.jobId}: restorable from ${r.firstSecond} to ${r.lastSecond} (entries ${r.from} to ${r.to})`).join('\n'),
        );
      }),
    ));
  registerRestoreExport(restore, guarded);
}
