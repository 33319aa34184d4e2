/**
 * A throwaway FerretDB for tests that need one configured unlike the shared services: with
 * authentication on (wrong-credentials test) or with a tiny oplog that rolls over fast (resync test).
 * It is the same pinned binary scripts/services.sh built, on a free loopback port.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';

/** The pinned build's binary name: the module version and the project's patch hash (scripts/versions.sh). */
function pinnedBuild(): string {
  const pins = readFileSync('scripts/versions.sh', 'utf8');
  const pin = (name: string) => new RegExp(`^${name}=(\\S+)`, 'm').exec(pins)![1]!;
  return `${pin('FERRETDB_VERSION')}-${pin('FERRETDB_PATCH_SHA')}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface FerretOptions {
  auth?: { user: string; password: string };
  /** Seconds between FerretDB's capped-collection cleanups (how fast a full oplog drops entries). */
  cappedCleanupSeconds?: number;
  /** Create a capped local.oplog.rs of this many bytes. */
  oplogBytes?: number;
}

export async function startFerret(
  opts: FerretOptions = {},
): Promise<{ port: number; uri: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'headwater-ferret-'));
  const [port, debug] = [await freePort(), await freePort()];
  const bin = join(
    process.env.HEADWATER_CACHE ?? join(homedir(), '.cache/headwater'),
    'bin',
    `ferretdb-${pinnedBuild()}`,
  );
  const args = [
    `--listen-addr=127.0.0.1:${port}`,
    `--debug-addr=127.0.0.1:${debug}`,
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--state-dir=${dir}`,
    '--telemetry=disable',
    '--log-level=ERROR',
    '--repl-set-name=rs0',
  ];
  if (opts.auth)
    args.push(
      '--test-enable-new-auth',
      `--setup-username=${opts.auth.user}`,
      `--setup-password=${opts.auth.password}`,
      '--setup-database=admin',
    );
  if (opts.cappedCleanupSeconds)
    args.push(
      `--test-capped-cleanup-interval=${opts.cappedCleanupSeconds}s`,
      '--test-capped-cleanup-percentage=50',
    );
  const child = spawn(bin, args, { stdio: 'ignore' });
  const creds = opts.auth ? `${opts.auth.user}:${opts.auth.password}@` : '';
  const uri = `mongodb://${creds}127.0.0.1:${port}/?directConnection=true`;
  for (let i = 0; ; i += 1) {
    const c = new MongoClient(uri, { serverSelectionTimeoutMS: 500 });
    try {
      await c.db('admin').command({ ping: 1 });
      if (opts.oplogBytes)
        await c.db('local').createCollection('oplog.rs', { capped: true, size: opts.oplogBytes });
      break;
    } catch (err) {
      if (i > 40)
        throw new Error(`throwaway FerretDB did not start on port ${port}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await c.close();
    }
  }
  return {
    port,
    uri,
    // Waits for the server to exit, then removes its data: a test's dataset can be hundreds of MB of tmp.
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
