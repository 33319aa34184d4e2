/**
 * Temporal for tests: the dev server started by scripts/services.sh (never a downloaded one), the project's
 * workflow bundle prebuilt once for every file (./build.ts), and a fresh worker per test on a unique task queue.
 */
import { Connection, Client } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { workflowsPath as projectWorkflows } from '../../src/worker/bundle.js';
import { prebuiltWorkflows } from './build.js';
import { services, withService } from './services.js';

// Worker state changes and expected failures drown test output; errors still show.
Runtime.install({ logger: new DefaultLogger('ERROR') });

export async function connectTemporal(): Promise<{ connection: Connection; client: Client }> {
  return withService('temporal', async () => {
    const connection = await Connection.connect({ address: services.temporal.address, connectTimeout: 15_000 }); // 3 s ran out at load 21
    await connection.workflowService.getSystemInfo({});
    return { connection, client: new Client({ connection }) };
  });
}

export async function nativeConnection(): Promise<NativeConnection> {
  return withService('temporal', () => NativeConnection.connect({ address: services.temporal.address }));
}

/** The project's workflows come prebuilt (seconds of bundler CPU saved per file); a test's own are bundled. */
export async function bundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  if (workflowsPath === projectWorkflows) return { ...prebuiltWorkflows(), sourceMap: '' };
  return bundleWorkflowCode({ workflowsPath, logger: quietLogger });
}

export async function createWorker(options: {
  connection: NativeConnection;
  taskQueue: string;
  workflowBundle: WorkflowBundleWithSourceMap;
  activities?: object;
}): Promise<Worker> {
  return Worker.create({ ...options, namespace: 'default' });
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

/** The whole history of a workflow as text, with every payload decoded, for scanning for secrets. */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  // Payload bytes arrive either as bytes or as base64 strings under `data`: decode both, so a secret
  // inside a payload is visible to the scan.
  return JSON.stringify(history.events, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    return value;
  });
}
