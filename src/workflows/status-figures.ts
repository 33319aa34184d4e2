/**
 * `status/<requestId>`: one refresh of `headwater status`, the catalog's part of it (each job's window and
 * store usage), read by a worker: the CLI holds no catalog connection.
 */
import { StatusFiguresInput } from '../contracts/catalog.js';
import type { JobFigures } from '../job/status-figures.js';
import { lookup } from './activity-options.js';

export async function statusFigures(input: StatusFiguresInput): Promise<JobFigures[]> {
  return lookup.statusFigures(StatusFiguresInput.parse(input));
}
