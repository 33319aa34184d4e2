/**
 * Headwater as the benchmarks run it: the real worker (`src/worker/main.ts`) as a child process whose
 * peak RSS is read from the kernel, and the `initialSync` and `follow` workflows started through
 * @temporalio/client exactly as an operator's client would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FollowInput } from '../../src/contracts/follow.js';
import type { InitialSyncInput, SyncResult } from '../../src/contracts/initial-sync.js';
import { services, uniqueName } from '../../test/harness/services.js';
import { writeWorkerConfig, type WorkerConfig } from '../../test/harness/worker-process.js';
import { peakRssOfPid } from './measure.js';

export class BenchWorker {
  private child: ChildProcess | undefined;
  private output = '';
  /** The highest VmHWM seen over every process this worker has been (it may be restarted). */
  private peakMiB = 0;

  /** A worker on the shared services by default; the soak gives its own configuration and environment. */
  constructor(
    readonly config: WorkerConfig = writeWorkerConfig(uniqueName('hw-bench')),
    /** Passed to every process this worker is (the soak's store credentials and keys; its trace reads slices with them). */
    readonly baseEnv: Record<string, string> = {},
  ) {}

  async start(env: Record<string, string> = {}): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
      env: { ...process.env, HEADWATER_CONFIG: this.config.configFile, LOG_LEVEL: 'warn', HEADWATER_EXIT_WITH_PARENT: '1', ...this.baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
      // Every line, across restarts, beside the worker's configuration: the soak scans it for secrets.
      appendFileSync(this.logFile, b);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await new Promise((r) => setTimeout(r, 500));
    if (child.exitCode !== null) throw new Error(`worker exited at start (${child.exitCode}):\n${this.output}`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last 20,000 characters the worker printed. */
  get log(): string {
    return this.output;
  }

  /** Everything every process of this worker printed. */
  get logFile(): string {
    return join(dirname(this.config.configFile), 'worker.log');
  }

  /** Peak RSS of the worker so far, in MiB (read before each kill, so restarts keep their peaks). */
  peakRssMiB(): number {
    const pid = this.pid;
    if (pid !== undefined) this.peakMiB = Math.max(this.peakMiB, peakRssOfPid(pid) ?? 0);
    return this.peakMiB;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    this.peakRssMiB();
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGCONT'); // a stalled worker cannot act on SIGTERM
      child.kill(signal);
    });
  }

  /** Sends a signal without waiting (SIGSTOP/SIGCONT for stalls). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Stops the worker and removes its slice store. */
  async dispose(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(dirname(this.config.storeDir), { recursive: true, force: true });
  }
}

export async function connectClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: services.temporal.address, connectTimeout: 3000 });
  return { client: new Client({ connection }), close: () => connection.close() };
}

/** A job id valid for Headwater and short enough for head database names. */
export function benchJobId(): string {
  return `b-${Date.now().toString(36).slice(-6)}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function runInitialSync(client: Client, worker: BenchWorker, input: InitialSyncInput): Promise<SyncResult> {
  return (await client.workflow.execute('initialSync', {
    taskQueue: worker.config.taskQueue,
    workflowId: `job/${input.jobId}/initial-sync/${input.syncNumber ?? 1}`,
    args: [input],
  })) as SyncResult;
}

export async function startFollow(client: Client, worker: BenchWorker, input: FollowInput) {
  return client.workflow.start('follow', { taskQueue: worker.config.taskQueue, workflowId: `job/${input.jobId}/tail`, args: [input] });
}

/** Ends the job's workflows if they are still running (an interrupted or failed benchmark). */
export async function terminateJobWorkflows(client: Client, jobId: string): Promise<void> {
  for (const id of [`job/${jobId}/initial-sync/1`, `job/${jobId}/tail`]) {
    await client.workflow.getHandle(id).terminate('benchmark over').catch(() => undefined);
  }
}
