/**
 * Deletes, by _id. Deleting a document the target does not have is a no-op, so a replay converges.
 */
import type { DeleteEntry } from '../entry.js';

export function deletedId(entry: DeleteEntry): unknown {
  return entry.o._id;
}
