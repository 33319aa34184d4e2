/**
 * mongodump and mongorestore (mongo-tools, pinned in scripts/versions.sh) as baselines. They are built on
 * first use by `scripts/build-tools.sh mongo-tools` (never by `npm test`). A baseline that cannot run says
 * why; it is left out of the results, never replaced by a guess.
 */
import { spawn, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { services } from '../../test/harness/services.js';

export interface MongoTools {
  mongodump: string;
  mongorestore: string;
  version: string;
}

/** Builds the pinned tools if needed; returns their paths, or the reason they cannot be had. */
export function ensureMongoTools(): MongoTools | { unavailable: string } {
  const version = pinnedVersion();
  if (version === undefined) return { unavailable: 'MONGO_TOOLS_VERSION is not set in scripts/versions.sh' };
  const build = spawnSync('bash', ['scripts/build-tools.sh', 'mongo-tools'], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (build.status !== 0) {
    const why = build.stderr.trim().split('\n').slice(-3).join(' ');
    return { unavailable: `mongo-tools could not be built (scripts/build-tools.sh mongo-tools exited ${build.status}): ${why}` };
  }
  const bin = join(process.env.HEADWATER_CACHE ?? join(homedir(), '.cache', 'headwater'), 'bin');
  return { mongodump: join(bin, `mongodump-${version}`), mongorestore: join(bin, `mongorestore-${version}`), version };
}

function pinnedVersion(): string | undefined {
  const out = spawnSync('bash', ['-c', '. scripts/versions.sh && printf %s "$MONGO_TOOLS_VERSION"'], { encoding: 'utf8' });
  return out.stdout.trim() || undefined;
}

/**
 * `mongodump --archive | mongorestore --archive` of one source database into the head server under
 * another name. Secondary indexes are not part of the bench datasets: mongorestore sends an `ns` field in
 * index specs, which FerretDB rejects (checked with 100.18.0).
 */
export async function dumpRestoreArchive(tools: MongoTools, sourceDb: string, targetDb: string): Promise<void> {
  const dump = spawn(tools.mongodump, ['--uri', services.source.uri, '--db', sourceDb, '--archive', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const restore = spawn(
    tools.mongorestore,
    ['--uri', services.head.uri, '--archive', '--nsFrom', `${sourceDb}.*`, '--nsTo', `${targetDb}.*`, '--quiet'],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  dump.stdout.pipe(restore.stdin);
  await Promise.all([exited(dump, 'mongodump'), exited(restore, 'mongorestore')]);
}

/**
 * Dumps the source oplog entries in (afterTs, throughTs] to a BSON file and returns its path. The query is
 * on `ts` alone: FerretDB answers a combined `ns` regex and `ts` range query on the oplog very slowly, so
 * the caller keeps its own namespace's entries.
 */
export async function dumpOplogWindow(tools: MongoTools, after: { t: number; i: number }, through: { t: number; i: number }, outDir: string): Promise<string> {
  const query = JSON.stringify({ ts: { $gt: { $timestamp: after }, $lte: { $timestamp: through } } });
  const dump = spawn(tools.mongodump, ['--uri', services.source.uri, '--db', 'local', '--collection', 'oplog.rs', '--query', query, '--out', outDir, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await exited(dump, 'mongodump');
  return join(outDir, 'local', 'oplog.rs.bson');
}

function exited(child: ReturnType<typeof spawn>, name: string): Promise<void> {
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited ${code}: ${err.trim()}`))));
  });
}
