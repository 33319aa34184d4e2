/**
 * The demo's command line, parsed with zod: a size (full or `--quick`), `--keep` to leave what it made for
 * a look around, and `--clean <runId>` to remove what an earlier `--keep` run left. Sizes are chosen so a
 * run finishes in a few minutes on 2 cores and apply keeps up with the write load (measured, README).
 */
import { z } from 'zod';

export const DemoSize = z.object({
  /** Documents per sample collection are these shares times `scale`. */
  scale: z.number().positive(),
  /** The write workload's operations per second while the job runs. */
  writesPerSecond: z.number().positive(),
  /** Seconds between the job's scheduled snapshots. */
  snapshotEverySeconds: z.number().int().min(5),
  /** Snapshots to have before the restore (the first is triggered at once, the rest by the Schedule). */
  snapshots: z.number().int().min(1),
});
export type DemoSize = z.infer<typeof DemoSize>;

export const SIZES = {
  // Two snapshots for both sizes: a new one needs the head to have moved, which the follow does once per
  // 60 s capture call, so each one past the second added one to two minutes (measured, README).
  full: { scale: 1, writesPerSecond: 10, snapshotEverySeconds: 20, snapshots: 2 },
  quick: { scale: 0.12, writesPerSecond: 6, snapshotEverySeconds: 15, snapshots: 2 },
} satisfies Record<string, DemoSize>;

export const DemoOptions = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('run'), size: z.enum(['full', 'quick']), keep: z.boolean() }),
  z.object({ mode: z.literal('clean'), runId: z.string().regex(/^[a-z0-9]{4,12}$/, 'a run id is what --keep printed, e.g. mabc1234') }),
  z.object({ mode: z.literal('help') }),
]);
export type DemoOptions = z.infer<typeof DemoOptions>;

export const USAGE = `usage: npm run demo [-- --quick] [--keep]
       npm run demo -- --clean <runId>      remove what a --keep run left

  --quick   a sample an eighth the size (about 2.5 minutes on 2 busy cores; the full size about 4)
  --keep    leave the job, its workflows, databases and store for a look in the Temporal UI`;

/** Parses argv (after the script name); unknown flags are refused with the usage. */
export function parseOptions(argv: string[]): DemoOptions {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const unknown = [...flags].filter((f) => !['--quick', '--keep', '--clean', '--help'].includes(f));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(', ')}\n${USAGE}`);
  if (flags.has('--help')) return { mode: 'help' };
  const raw = flags.has('--clean')
    ? { mode: 'clean', runId: argv[argv.indexOf('--clean') + 1] }
    : { mode: 'run', size: flags.has('--quick') ? 'quick' : 'full', keep: flags.has('--keep') };
  const r = DemoOptions.safeParse(raw);
  if (!r.success) throw new Error(`${r.error.issues[0]?.message ?? 'invalid options'}\n${USAGE}`);
  return r.data;
}
