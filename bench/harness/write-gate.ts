/**
 * Holds a writer's new writes while someone needs none in flight (a moment recorded, the source stopped):
 * the writer brackets each write (or each tick of concurrent writes) with `enter` and `leave`; `hold`
 * resolves once nothing is in flight and returns its release. Holds are counted, so two at once (a moment
 * during a fault) each wait for idle and each release only their own.
 */
export class WriteGate {
  private holds = 0;
  private busy = false;
  private released: Array<() => void> = [];
  private idle: Array<() => void> = [];

  /** Before a write: waits while any hold is on. */
  async enter(): Promise<void> {
    while (this.holds > 0) await new Promise<void>((r) => this.released.push(r));
    this.busy = true;
  }

  /** After the write settled, whatever its outcome. */
  leave(): void {
    this.busy = false;
    const waiting = this.idle.splice(0);
    for (const w of waiting) w();
  }

  /** Holds new writes; resolves, once none is in flight, with the function that lifts this hold. */
  async hold(): Promise<() => void> {
    this.holds += 1;
    let lifted = false;
    const release = () => {
      if (lifted) return;
      lifted = true;
      this.holds -= 1;
      if (this.holds === 0) for (const r of this.released.splice(0)) r();
    };
    if (this.busy) await new Promise<void>((r) => this.idle.push(r));
    return release;
  }
}
