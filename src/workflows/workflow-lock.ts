/**
 * A FIFO lock for workflow code: the job's commands and the events of its own work run one at a time,
 * since each awaits activities between reading and writing the state. A waiter inside a cancelled scope
 * stops waiting (so a command that halts the job's work never deadlocks on work waiting for the lock),
 * and passes its turn on only when the holder before it is done.
 */
import { CancellationScope } from '@temporalio/workflow';

export class WorkflowLock {
  private tail: Promise<void> = Promise.resolve();
  private users = 0;

  /** True when nobody holds or waits for the lock. */
  get idle(): boolean {
    return this.users === 0;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    this.users += 1;
    try {
      await Promise.race([before, CancellationScope.current().cancelRequested]);
    } catch (err) {
      this.users -= 1;
      void before.then(release);
      throw err;
    }
    try {
      return await fn();
    } finally {
      this.users -= 1;
      release();
    }
  }
}
