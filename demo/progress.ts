/**
 * Progress bars for the demo's long steps (cli-progress) on a terminal; elsewhere (a pipe, a test) plain
 * lines: one when a bar's note changes, and at most one every 10 s while it moves, so a log stays short.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

export interface BarSpec { key: string; label: string; total: number }

export class Bars {
  private readonly multi: MultiBar | undefined;
  private readonly bars = new Map<string, SingleBar>();
  private readonly plain = new Map<string, { note: string; at: number; value: number; total: number; printed?: number }>();

  constructor(private readonly specs: BarSpec[], tty = process.stdout.isTTY === true) {
    if (tty) {
      this.multi = new MultiBar(
        { format: '  {label} |{bar}| {value}/{total} {note}', barsize: 30, hideCursor: true, clearOnComplete: false, autopadding: true },
        Presets.shades_classic,
      );
      for (const s of specs) this.bars.set(s.key, this.multi.create(Math.max(1, s.total), 0, { label: s.label.padEnd(18), note: '' }));
    }
  }

  update(key: string, value: number, note = '', total?: number): void {
    const bar = this.bars.get(key);
    if (bar !== undefined) {
      if (total !== undefined) bar.setTotal(Math.max(1, total));
      bar.update(value, { note });
      return;
    }
    const spec = this.specs.find((s) => s.key === key)!;
    const last = this.plain.get(key);
    const t = total ?? last?.total ?? spec.total;
    this.plain.set(key, { note, at: last?.at ?? 0, value, total: t, printed: last?.printed });
    if (last === undefined || last.note !== note || (Date.now() - last.at > 10_000 && last.value !== value)) {
      this.print(key);
    }
  }

  /** A line above the bars (or a plain line). */
  log(line: string): void {
    if (this.multi !== undefined) this.multi.log(`${line}\n`);
    else console.log(line);
  }

  /** Ends the bars; without a terminal, prints where each ended if that was not the last line shown. */
  stop(): void {
    this.multi?.stop();
    for (const [key, p] of this.plain) if (p.printed !== p.value) this.print(key);
  }

  private print(key: string): void {
    const spec = this.specs.find((s) => s.key === key)!;
    const p = this.plain.get(key)!;
    console.log(`  ${spec.label}: ${p.value}/${p.total} ${p.note}`.trimEnd());
    p.at = Date.now();
    p.printed = p.value;
  }
}
