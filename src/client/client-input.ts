/**
 * What the client's facades share at their boundary: a request checked with its zod schema (one line per
 * problem, as InvalidConfig), and the typed failure a failed workflow or update carries.
 */
import { ApplicationFailure } from '@temporalio/client';
import { InvalidConfig } from '../errors/domain-errors.js';

export function parse<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
  value: unknown,
  what: string,
): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new InvalidConfig(
      `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return r.data;
}

/** The first ApplicationFailure in a failure's cause chain that `accept`s (a workflow's wraps its activity's). */
export function failureIn(err: Error, accept: (f: ApplicationFailure) => boolean = (f) => Boolean(f.type)): ApplicationFailure | undefined {
  for (let c: unknown = err.cause; c instanceof Error; c = c.cause) {
    if (c instanceof ApplicationFailure && accept(c)) return c;
  }
  return undefined;
}
