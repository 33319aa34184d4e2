/**
 * Whether a job definition names only what this worker has: its source and head connections, its
 * snapshot and slice stores, and its key. Checked when the job is created, so that a typo is refused
 * before anything is stored instead of failing the first sync. Existence only: nothing connects here
 * (whether the source answers is the sync's `starting` check). Messages name ids, never a URI or a key.
 */
import type { ConnectionRegistry } from '../config/connections.js';
import type { HeadwaterConfig } from '../config/schema.js';
import type { JobDefinition } from '../contracts/job.js';
import { HeadwaterError, InvalidConfig } from '../errors/domain-errors.js';
import { keyForSlices } from '../slice/slice-keys.js';

export interface DefinitionRefs {
  connections: ConnectionRegistry;
  stores: HeadwaterConfig['stores'];
  env?: NodeJS.ProcessEnv;
}

/** Throws ConnectionNotFound or InvalidConfig, naming the job and the field, for the first unknown reference. */
export function checkJobDefinition(job: JobDefinition, refs: DefinitionRefs): void {
  const named = (field: string, check: () => unknown) => {
    try {
      check();
    } catch (err) {
      if (!(err instanceof HeadwaterError)) throw err;
      throw new HeadwaterError(err.type, `cannot create job '${job.jobId}': ${field}: ${err.message}`);
    }
  };
  // uri() also refuses a connection whose uriEnv variable is unset in this worker.
  named('source', () => refs.connections.uri(job.source));
  named('head', () => refs.connections.uri(job.head));
  for (const [field, id] of [['store', job.store], ['sliceStore', job.sliceStore]] as const) {
    named(field, () => {
      if (!Object.hasOwn(refs.stores, id)) throw new InvalidConfig(`unknown store '${id}' (configured: ${Object.keys(refs.stores).join(', ') || 'none'})`);
    });
  }
  const keyId = job.encryptionKeyId;
  if (keyId !== undefined) named('encryptionKeyId', () => keyForSlices(keyId, refs.env));
}
