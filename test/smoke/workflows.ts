// A workflow used only by the Temporal smoke test: it calls one activity and returns its result.
import { proxyActivities } from '@temporalio/workflow';

const { echo } = proxyActivities<{ echo(text: string): Promise<string> }>({ startToCloseTimeout: '10s' });

export async function smokeEcho(text: string): Promise<string> {
  return `workflow saw: ${await echo(text)}`;
}
