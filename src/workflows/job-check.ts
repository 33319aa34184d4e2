/**
 * `job/<jobId>/check`: asks a worker whether a job definition names only connections, stores and a key
 * it has, before the job is created. The client cannot tell (connections and keys live only in the
 * worker), and the job workflow must not exist yet, so this short workflow runs the one check activity;
 * a refusal fails it with the activity's own type (ConnectionNotFound, InvalidConfig) and message.
 */
import type { JobDefinition } from '../contracts/job.js';
import { quick } from './activity-options.js';

export async function jobDefinitionCheck(job: JobDefinition): Promise<void> {
  await quick.checkJobDefinition(job);
}
