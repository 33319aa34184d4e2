/**
 * Where the demo runs: the local services' addresses (scripts/service-env.sh, overridable by the same
 * HW_* variables), a worker configuration of its own (its catalog database, a filesystem store in its
 * temporary directory, its task queue), and the worker, whose log goes to a file the demo names when
 * something fails.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { createActivities } from '../src/activities/index.js';
import { loadConfig } from '../src/config/load.js';
import { workflowsPath } from '../src/worker/bundle.js';
import { createDeps } from '../src/worker/deps.js';
import type { DemoNames } from './names.js';

const env = process.env;
export const addresses = {
  temporal: `127.0.0.1:${env.HW_TEMPORAL_PORT ?? 7233}`,
  source: `mongodb://127.0.0.1:${env.HW_SOURCE_PORT ?? 27117}/?replicaSet=rs0`,
  head: `mongodb://127.0.0.1:${env.HW_HEAD_PORT ?? 27118}/?directConnection=true`,
};

export const mongo = (uri: string) => new MongoClient(uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 });

/** Writes the worker's configuration file; the restore target is a connection to the head's server. */
export function writeConfig(names: DemoNames): { configFile: string; storeDir: string; logFile: string } {
  mkdirSync(names.dir, { recursive: true });
  const storeDir = join(names.dir, 'store');
  const config = {
    temporal: { address: addresses.temporal, taskQueue: names.taskQueue },
    catalog: { connection: 'head', database: names.catalogDb },
    connections: { source: { uri: addresses.source }, head: { uri: addresses.head }, target: { uri: addresses.head } },
    stores: { default: { type: 'fs', path: storeDir } },
    metrics: { port: 0 },
  };
  const configFile = join(names.dir, 'headwater.yaml');
  writeFileSync(configFile, stringify(config));
  return { configFile, storeDir, logFile: join(names.dir, 'worker.log') };
}

/**
 * The worker, in the demo's own process: the workflow code is bundled first, then the dependencies are
 * built and the worker polls the run's task queue. In this order because bundling keeps the event loop
 * busy for many seconds on a loaded machine: a worker process (src/worker/main.ts) opens its catalog
 * connection before it bundles, and when that first connection timed out meanwhile its catalog stayed
 * closed for good (every activity failed with MongoNotConnectedError). Logs go to a file.
 */
export class DemoWorker {
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;
  private close: (() => Promise<void>) | undefined;
  constructor(private readonly configFile: string, readonly logFile: string) {}

  async start(signal: AbortSignal): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    Runtime.install({
      logger: new DefaultLogger('WARN', (e) => log.write(`${new Date(Number(e.timestampNanos / 1_000_000n)).toISOString()} ${e.level} ${e.message} ${JSON.stringify(e.meta ?? {})}\n`)),
      // The SDK core's own warnings too, into the file: the terminal is the demo's.
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
    });
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR', () => undefined) });
    signal.throwIfAborted();
    const config = loadConfig({ ...process.env, HEADWATER_CONFIG: this.configFile });
    const deps = createDeps(config, pino({ level: 'info' }, pino.destination({ dest: this.logFile, append: true, sync: false })));
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    this.worker = await Worker.create({ connection, taskQueue: config.temporal.taskQueue, workflowBundle, activities: createActivities(deps) });
    this.running = this.worker.run();
    this.close = async () => {
      await deps.close();
      await connection.close();
      log.end();
    };
  }

  /** Graceful: in-flight activities end or heartbeat; the job's workflows wait on the server for a worker. */
  async stop(): Promise<void> {
    if (this.worker === undefined) return;
    if (this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running?.catch(() => undefined);
    await this.close?.();
    this.worker = undefined;
  }
}
