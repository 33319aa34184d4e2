/**
 * The worker: loads the configuration, builds the dependencies, and runs the workflows and activities
 * on the task queue until SIGINT/SIGTERM, then shuts down gracefully (in-flight activities heartbeat
 * their progress, so a hard kill loses nothing either: retries resume from the last heartbeat).
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { configuredTemporalAddress, loadConfig } from '../config/load.js';
import type { HeadwaterConfig } from '../config/schema.js';
import { describeError } from '../errors/describe-error.js';
import { InvalidConfig } from '../errors/domain-errors.js';
import { TASK_QUEUE } from '../workflows/ids.js';
import { workflowsPath } from './bundle.js';
import { createDeps } from './deps.js';

/** For workers started by tests: exit when the parent process is gone, so no orphan keeps working. */
function exitWithParent(): void {
  if (process.env.HEADWATER_EXIT_WITH_PARENT !== '1') return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 1000).unref();
}

/** The metrics endpoint's address: HEADWATER_METRICS_PORT / _HOST override the configuration's. */
function metricsAddress(config: HeadwaterConfig): { host: string; port: number } {
  const port = process.env.HEADWATER_METRICS_PORT;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) throw new InvalidConfig(`HEADWATER_METRICS_PORT '${port}' is not a port number`);
  return { port: port === undefined ? config.metrics.port : Number(port), host: process.env.HEADWATER_METRICS_HOST ?? config.metrics.host };
}

async function main(): Promise<void> {
  exitWithParent();
  const config = loadConfig();
  const deps = createDeps(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: process.env.HEADWATER_TASK_QUEUE ?? config.temporal.taskQueue ?? TASK_QUEUE,
    // A prebuilt bundle (npm run build: dist/workflows.js) spares the bundler's seconds of CPU at each start
    // (the test harness passes it; a worker started on a loaded machine took over a minute to bundle).
    ...(process.env.HEADWATER_WORKFLOW_BUNDLE === undefined
      ? { workflowsPath }
      : { workflowBundle: { codePath: process.env.HEADWATER_WORKFLOW_BUNDLE } }),
    activities: createActivities(deps),
    maxConcurrentActivityTaskExecutions: 16,
    interceptors: { activity: [deps.metrics.activityInterceptor()] },
  });
  deps.metrics.watchCatalog(() => deps.catalog);
  const at = metricsAddress(config);
  const metrics = await deps.metrics.serve(at.port, at.host);
  deps.logger.info(
    { taskQueue: worker.options.taskQueue, pid: process.pid, metricsPort: metrics?.port, metricsHost: at.host },
    'headwater worker started',
  );
  try {
    await worker.run();
  } finally {
    metrics?.server.close();
    await deps.close();
    await connection.close();
  }
}

// A known error (an invalid config file, Temporal unreachable) is one line naming the file and field or
// the address, exit 2 for a refusal; anything else keeps its stack for the logs.
main().catch((err: unknown) => {
  const d = describeError(err, configuredTemporalAddress);
  if (d.type === undefined || process.env.HEADWATER_DEBUG === '1') console.error(err);
  if (d.type !== undefined) console.error(`headwater worker: ${d.message}`);
  process.exit(d.code);
});
