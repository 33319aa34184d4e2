/**
 * What the soak stands on: its own services, the fault proxy in front of the source, the real worker
 * (configured with the source through the proxy, the head and a restore target on the soak's head server,
 * and MinIO as the snapshot and slice store) and a Headwater client. `dispose` tears it all down.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MongoClient } from 'mongodb';
import { stringify } from 'yaml';
import { HeadwaterClient } from '../../src/client/headwater-client.js';
import { ConnectionRegistry } from '../../src/config/connections.js';
import { ConnectionConfig } from '../../src/config/schema.js';
import { BenchWorker } from './headwater.js';
import { SoakServices } from './soak-services.js';
import { TcpProxy } from '../../test/harness/tcp-proxy.js';

export interface SoakRig {
  services: SoakServices;
  proxy: TcpProxy;
  worker: BenchWorker;
  client: HeadwaterClient;
  source: MongoClient;
  head: MongoClient;
  dispose: () => Promise<void>;
  /** For an interrupted soak: only the processes and the data directory (loops may still use the clients). */
  abort: () => Promise<void>;
}

/** The soak job's encryption key, by id and the worker's environment variable (HEADWATER_KEY_<ID>). */
export const SOAK_KEY = { id: 'soak', env: 'HEADWATER_KEY_SOAK' };

/** The source's oplog on the soak's own server: the shared default (FerretDB reads the whole oplog for every query on ts, so larger is slower). */
const OPLOG_BYTES = 8 * 1024 * 1024;

export async function setUpRig(): Promise<SoakRig> {
  const services = await SoakServices.create();
  services.env.HW_OPLOG_SIZE_BYTES = String(OPLOG_BYTES);
  const disposers: Array<() => Promise<unknown>> = [() => services.dispose()];
  const dispose = async () => {
    for (const d of disposers.reverse()) await d().catch((err: Error) => console.error(`soak teardown: ${err.message}`));
  };
  try {
    await services.up();
    const proxy = new TcpProxy(services.sourcePort);
    await proxy.start();
    disposers.push(() => proxy.close());
    const worker = new BenchWorker(writeConfig(services, proxy.port), {
      // The S3 credentials reach the worker by environment, never through its config or a payload.
      HW_SOAK_S3_ACCESS_KEY: process.env.HW_MINIO_USER ?? 'headwater',
      HW_SOAK_S3_SECRET_KEY: process.env.HW_MINIO_PASSWORD ?? 'headwater-test-secret',
      // The job's key (snapshots and slices sealed with it), made up for this run only.
      [SOAK_KEY.env]: randomBytes(32).toString('hex'),
    });
    await worker.start();
    disposers.push(() => worker.kill('SIGKILL'));
    // The soak's own clients come from the product's connection registry: a plain driver client can
    // wedge for good when its server stops with a command in flight (run 12: the load, the moments and
    // the catch-up marker all failed for minutes after the source came back); the registry reconnects it.
    const own = new ConnectionRegistry({ source: ConnectionConfig.parse({ uri: services.sourceUri }), head: ConnectionConfig.parse({ uri: services.headUri }) }, {});
    const source = own.client('source');
    const head = own.client('head');
    disposers.push(() => own.close());
    const client = await HeadwaterClient.connect({ address: services.temporalAddress, taskQueue: worker.config.taskQueue });
    disposers.push(() => client.close());
    await workerPolling(client, worker.config.taskQueue);
    const abort = async () => {
      await worker.kill('SIGKILL');
      await services.dispose();
    };
    return { services, proxy, worker, client, source, head, dispose, abort };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Waits (up to 3 minutes: a loaded machine starts the worker slowly) until the worker polls its queue. */
async function workerPolling(client: HeadwaterClient, taskQueue: string): Promise<void> {
  const end = Date.now() + 180_000;
  while (Date.now() < end) {
    const r = await client.temporal.workflowService
      .describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 1 })
      .catch(() => undefined);
    if ((r?.pollers?.length ?? 0) > 0) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`the soak's worker never polled task queue '${taskQueue}' within 3 minutes`);
}

function writeConfig(services: SoakServices, proxyPort: number) {
  const dir = join(services.dir, 'worker');
  mkdirSync(dir, { recursive: true });
  const taskQueue = 'hw-soak';
  const config = {
    temporal: { address: services.temporalAddress, taskQueue },
    connections: {
      // A direct connection: through a replica set URI the driver would reach the member FerretDB
      // advertises, around the proxy.
      source: { uri: `mongodb://127.0.0.1:${proxyPort}/?directConnection=true`, readPreference: 'secondaryPreferred' },
      head: { uri: services.headUri },
      target: { uri: services.headUri },
    },
    stores: {
      default: {
        type: 's3',
        bucket: process.env.HW_MINIO_BUCKET ?? 'headwater-test',
        prefix: 'soak/',
        endpoint: services.minioEndpoint,
        forcePathStyle: true,
        accessKeyIdEnv: 'HW_SOAK_S3_ACCESS_KEY',
        secretAccessKeyEnv: 'HW_SOAK_S3_SECRET_KEY',
      },
    },
    sliceStore: 'default',
    metrics: { port: 0 },
  };
  const configFile = join(dir, 'headwater.yaml');
  writeFileSync(configFile, stringify(config));
  return { configFile, taskQueue, storeDir: join(dir, 'store') };
}
