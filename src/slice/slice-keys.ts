/**
 * The keys slices are sealed with. A job names its key by id only (the definition and every payload
 * carry the id, never the key); the worker, the CLI and a restore find key <id> in the environment
 * variable HEADWATER_KEY_<ID>, the convention snapshots use (src/job/snapshot-gate.ts). A sealed slice
 * records its key id in its envelope, so a reader needs no other hint to find the key.
 */
import { BlobKey, Keyring, loadKey } from '../codec/keys.js';
import { keyRefFor } from '../job/snapshot-gate.js';

/** The key with this id, from its environment variable; InvalidConfig names the variable when unset. */
export function keyForSlices(keyId: string, env: NodeJS.ProcessEnv = process.env): BlobKey {
  return loadKey(keyRefFor(keyId), env);
}

/**
 * A keyring that finds any key id in its environment variable when first asked. An unset variable
 * answers "no such key", so the envelope's WrongKey error names the slice and the key id it needs.
 */
export class EnvKeyring extends Keyring {
  private readonly found = new Map<string, BlobKey>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    super();
  }

  override get(id: string): BlobKey | undefined {
    const cached = this.found.get(id);
    if (cached !== undefined) return cached;
    const text = this.env[keyRefFor(id).env];
    if (text === undefined || text === '') return undefined;
    const key = keyForSlices(id, this.env);
    this.found.set(id, key);
    return key;
  }

  override ids(): string[] {
    return [...this.found.keys()];
  }
}
