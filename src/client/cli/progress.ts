/**
 * Progress bars for the long CLI commands (sync start --wait, snapshot take, snapshot verify, restore start
 * --wait). A bar is drawn only when stdout is a terminal: piped into a script or a file, the command prints
 * its plain result and nothing else, so its output stays parseable (and --json stays one JSON document).
 */
import { SingleBar } from 'cli-progress';

/** One reading of a long operation: how far (`value` of `total`) and what it is doing now. */
export interface ProgressReading {
  value: number;
  total: number;
  label: string;
}

export interface Progress {
  update(r: ProgressReading): void;
  stop(): void;
}

/** What a bar writes to: stdout, or (tests) any stream that says whether it is a terminal. */
export type ProgressStream = NodeJS.WriteStream | (NodeJS.WritableStream & { isTTY?: boolean });

const QUIET: Progress = { update: () => undefined, stop: () => undefined };

/** A bar titled `title` on `stream`; a no-op when the stream is not a terminal or `json` output was asked for. */
export function progressBar(title: string, o: { json?: boolean; stream?: ProgressStream } = {}): Progress {
  const stream = o.stream ?? process.stdout;
  if (o.json === true || stream.isTTY !== true) return QUIET;
  const bar = new SingleBar({
    format: `${title} [{bar}] {percentage}% | {label}`,
    stream: stream as NodeJS.WritableStream,
    hideCursor: true,
    clearOnComplete: false,
    barsize: 24,
    // A non-TTY stream never reaches here, so cli-progress's own TTY check need not be forced.
  });
  let started = false;
  return {
    update(r) {
      const total = Math.max(1, r.total);
      if (!started) bar.start(total, 0, { label: r.label });
      started = true;
      bar.setTotal(total);
      bar.update(Math.min(r.value, total), { label: r.label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/**
 * Waits for `done` while reading `probe` about once a `everyMs` into the bar. A failed probe (a query
 * between two runs of a workflow, or before it started) skips that reading; it never fails the wait.
 */
export async function withProgress<T, P>(
  bar: Progress,
  done: Promise<T>,
  probe: () => Promise<P | undefined>,
  read: (p: P) => ProgressReading,
  everyMs = 1000,
): Promise<T> {
  let over = false;
  const settled = done.finally(() => {
    over = true;
  });
  const loop = (async () => {
    while (!over) {
      const p = await probe().catch(() => undefined);
      if (p !== undefined && !over) bar.update(read(p));
      await Promise.race([settled.catch(() => undefined), new Promise((r) => setTimeout(r, everyMs).unref())]);
    }
  })();
  try {
    return await settled;
  } finally {
    await loop;
    bar.stop();
  }
}

/** A reading for a workflow that moves through named phases: the bar advances one step per phase. */
export function phaseReading(phases: readonly string[], phase: string, detail = ''): ProgressReading {
  const i = Math.max(0, phases.indexOf(phase));
  return { value: i, total: phases.length - 1, label: detail === '' ? phase : `${phase}: ${detail}` };
}
