/**
 * A throwaway Temporal dev server for tests that must kill or restart Temporal: the same pinned CLI that
 * scripts/services.sh runs, on free loopback ports, its state in a file of its own, so the shared server
 * is never touched. `crash` SIGKILLs it; `start` brings it back on the same port and file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './ferret.js';

/** The search attributes the shared server registers (scripts/service-env.sh). */
function searchAttributes(): string[] {
  const env = readFileSync('scripts/service-env.sh', 'utf8');
  return /^HW_SEARCH_ATTRIBUTES="([^"]+)"/m.exec(env)![1]!.split(' ');
}

function cliPath(): string {
  const version = /^TEMPORAL_CLI_VERSION=(\S+)/m.exec(readFileSync('scripts/versions.sh', 'utf8'))![1]!;
  return join(process.env.HEADWATER_CACHE ?? join(homedir(), '.cache/headwater'), 'bin', `temporal-${version}`);
}

export class DevServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'headwater-temporal-'));

  private constructor(
    readonly port: number,
    private readonly httpPort: number,
    private readonly metricsPort: number,
  ) {}

  static async create(): Promise<DevServer> {
    const server = new DevServer(await freePort(), await freePort(), await freePort());
    await server.start();
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server on its port and state file, and returns once it answers. */
  async start(): Promise<void> {
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(this.port), '--http-port', String(this.httpPort)];
    args.push('--metrics-port', String(this.metricsPort), '--headless', '--db-filename', join(this.dir, 'temporal.db'));
    args.push('--namespace', 'default', '--log-level', 'error', ...searchAttributes().flatMap((a) => ['--search-attribute', a]));
    const log = openSync(join(this.dir, 'server.log'), 'a');
    this.child = spawn(cliPath(), args, { stdio: ['ignore', log, log] });
    closeSync(log);
    const end = Date.now() + 90_000;
    for (;;) {
      try {
        return await this.answers();
      } catch (err) {
        const tail = () => readFileSync(join(this.dir, 'server.log'), 'utf8').slice(-2000);
        if (this.child.exitCode !== null) throw new Error(`the test's Temporal dev server exited (${this.child.exitCode}) while starting:\n${tail()}`);
        if (Date.now() > end) throw new Error(`the test's Temporal dev server did not answer on ${this.address}: ${(err as Error).message}\n${tail()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** One round of requests, each with a deadline: a server still starting may accept and never reply. */
  private async answers(): Promise<void> {
    const c = await Connection.connect({ address: this.address, connectTimeout: 1000 });
    try {
      const deadline = () => Date.now() + 3000;
      await c.withDeadline(deadline(), () => c.workflowService.getSystemInfo({}));
      // The namespace answers only once the server has loaded it.
      await c.withDeadline(deadline(), () => c.workflowService.describeNamespace({ namespace: 'default' }));
    } finally {
      await c.close();
    }
  }

  /** Kills the server as a crash would (SIGKILL), and returns once it has exited. */
  async crash(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
