/**
 * The real worker as a child process (`src/worker/main.ts`), for tests that SIGKILL it mid-flight and
 * start it again. Its configuration is a YAML file written by the test; its task queue is unique. Its
 * whole output (logs at info) is also kept in a file under `workerLogDir()`, which the suite's final
 * secret scan reads (test/secrets).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { built } from './build.js';
import { services } from './services.js';
import { connectTemporal } from './temporal.js';

export interface WorkerConfig {
  configFile: string;
  taskQueue: string;
  storeDir: string;
}

/**
 * Writes a worker configuration for the local services, with extra connections if given; `extra` may name
 * the catalog and add stores beside the `default` filesystem store.
 */
export function writeWorkerConfig(
  taskQueue: string,
  extraConnections: Record<string, unknown> = {},
  extra: { catalog?: { connection: string; database: string }; stores?: Record<string, unknown> } = {},
): WorkerConfig {
  const dir = mkdtempSync(join(tmpdir(), 'headwater-test-'));
  const storeDir = join(dir, 'store');
  const config = {
    temporal: { address: services.temporal.address, taskQueue },
    connections: {
      source: { uri: services.source.uri, readPreference: 'secondaryPreferred' },
      head: { uri: services.head.uri },
      ...extraConnections,
    },
    ...(extra.catalog === undefined ? {} : { catalog: extra.catalog }),
    stores: { default: { type: 'fs', path: storeDir }, ...extra.stores },
    metrics: { port: 0 },
  };
  const configFile = join(dir, 'headwater.yaml');
  writeFileSync(configFile, stringify(config));
  return { configFile, taskQueue, storeDir };
}

/** Where worker processes started by tests keep their logs: HW_TEST_LOG_DIR, else one place in tmp. */
export function workerLogDir(): string {
  return process.env.HW_TEST_LOG_DIR ?? join(tmpdir(), 'headwater-test-logs');
}

export class WorkerProcess {
  private child: ChildProcess | undefined;
  output = '';
  starts = 0;
  constructor(
    private readonly config: WorkerConfig,
    private readonly env: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    this.starts += 1;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
      env: {
        ...process.env,
        HEADWATER_CONFIG: this.config.configFile,
        LOG_LEVEL: 'info',
        HEADWATER_EXIT_WITH_PARENT: '1',
        // The prebuilt workflow bundle: without it each start runs Temporal's bundler (measured 9 s of CPU
        // per start with it, 4 s without), and the kill tests start workers again and again.
        HEADWATER_WORKFLOW_BUNDLE: built('workflows'),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    mkdirSync(workerLogDir(), { recursive: true });
    const logFile = join(workerLogDir(), `worker-${this.config.taskQueue}-${this.starts}-${child.pid}.log`);
    const onData = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
      appendFileSync(logFile, b);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    // Started means polling: a client refuses to start work on a task queue nobody polls (NoWorker). This
    // process's own poll, found by the SDK's default identity (pid@host): another worker may poll the queue.
    const spawnedAt = Date.now();
    const t = await connectTemporal();
    try {
      for (const deadline = spawnedAt + 300_000; ; ) {
        if (child.exitCode !== null) throw new Error(`worker exited at start (${child.exitCode}):\n${this.output}`);
        if (await polls(t.client, this.config.taskQueue, child.pid!)) return;
        if (Date.now() > deadline) throw new Error(`worker never polled its task queue:\n${this.output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await t.connection.close();
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.start();
  }

  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }
}

/** Whether the process `pid` is among the task queue's workflow pollers (identity `pid@host`). */
async function polls(client: Client, taskQueue: string, pid: number): Promise<boolean> {
  const r = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: 1 }, // TASK_QUEUE_KIND_NORMAL
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (r.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`) === true);
}
