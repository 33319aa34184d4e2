import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { uniqueName } from '../harness/services.js';

describe('smoke: temporal dev server', () => {
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  before(async () => {
    t = await connectTemporal();
  });
  after(async () => t?.connection.close());

  it('runs a workflow with an activity under a real worker', async () => {
    const taskQueue = uniqueName('smoke');
    const connection = await nativeConnection();
    const worker = await createWorker({
      connection,
      taskQueue,
      workflowBundle: await bundle(fileURLToPath(new URL('./workflows.ts', import.meta.url))),
      activities: { echo: async (text: string) => `activity got ${text} in pid ${process.pid}` },
    });
    const result = await worker.runUntil(
      t.client.workflow.execute('smokeEcho', { taskQueue, workflowId: taskQueue, args: ['hello'] }),
    );
    await connection.close();
    assert.equal(result, `workflow saw: activity got hello in pid ${process.pid}`);
    const history = await t.client.workflow.getHandle(taskQueue).fetchHistory();
    const kinds = history.events?.map((e) => e.eventType) ?? [];
    assert.ok(kinds.length >= 8, 'the server recorded a real history');
  });
});
