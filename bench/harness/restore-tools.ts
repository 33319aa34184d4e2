/**
 * mongo-tools as the restore suite's baseline and as the proof that the mongodump-layout export loads in
 * plain mongorestore: a dump to an archive file and its restore timed apart (the restore part is what a
 * restore is compared with), and `mongorestore --dir` of a directory. All into the head server, renamed
 * with --nsFrom/--nsTo. Only the _id index is in play: mongorestore sends an `ns` field in other index
 * specs, which FerretDB rejects (bench/harness/mongo-tools.ts).
 */
import { spawn } from 'node:child_process';
import { services } from '../../test/harness/services.js';
import type { MongoTools } from './mongo-tools.js';

/** `mongodump --archive=<file>` of one head database. */
export function dumpToArchive(tools: MongoTools, db: string, file: string): Promise<void> {
  return run(tools.mongodump, ['--uri', services.head.uri, '--db', db, `--archive=${file}`, '--quiet']);
}

/** `mongorestore --archive=<file>` into the head, `fromDb.*` renamed to `toDb.*`. */
export function restoreArchive(tools: MongoTools, file: string, fromDb: string, toDb: string): Promise<void> {
  return run(tools.mongorestore, ['--uri', services.head.uri, `--archive=${file}`, ...rename(fromDb, toDb), '--quiet']);
}

/** `mongorestore --dir <dir>` (mongodump's directory layout) into the head, renamed likewise. */
export function restoreDir(tools: MongoTools, dir: string, fromDb: string, toDb: string): Promise<void> {
  return run(tools.mongorestore, ['--uri', services.head.uri, '--dir', dir, ...rename(fromDb, toDb), '--quiet']);
}

const rename = (fromDb: string, toDb: string) => ['--nsFrom', `${fromDb}.*`, '--nsTo', `${toDb}.*`];

function run(bin: string, args: string[]): Promise<void> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${bin.split('/').pop()} exited ${code}: ${err.trim()}`))));
  });
}
