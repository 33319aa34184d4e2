/**
 * The keys a restore reads sealed oplog slices with: the restore's own key (`--key-file`/`--key-env`)
 * first, then, for a key id it does not hold, the worker's HEADWATER_KEY_<ID> (src/slice/slice-keys.ts),
 * as slices are read everywhere else. A key under the right id with the wrong bytes is WrongKey, never a
 * fallback.
 */
import { Keyring, type BlobKey } from '../codec/keys.js';
import { EnvKeyring } from '../slice/slice-keys.js';

class RestoreSliceKeyring extends Keyring {
  constructor(
    private readonly given: Keyring | undefined,
    private readonly env: Keyring,
  ) {
    super();
  }

  override get(id: string): BlobKey | undefined {
    return this.given?.get(id) ?? this.env.get(id);
  }

  override ids(): string[] {
    return [...new Set([...(this.given?.ids() ?? []), ...this.env.ids()])];
  }
}

/** `keyring` (the restore's), falling back to the environment's keys by id. */
export function sliceKeyring(keyring: Keyring | undefined, env: NodeJS.ProcessEnv = process.env): Keyring {
  return new RestoreSliceKeyring(keyring, new EnvKeyring(env));
}
