/**
 * The worker's slice store: src/slice/slice-store.ts over the worker's stores and catalog. Kept as the
 * activities' name for it; the contracts (object durable before its record, reads checked against the
 * recorded checksum) live in SliceStore.
 */
import { SliceStore } from '../slice/slice-store.js';
import type { Deps } from './deps.js';

export class SliceIo extends SliceStore {
  constructor(deps: Deps) {
    super((id) => deps.store(id), deps.catalog.slices);
  }
}
