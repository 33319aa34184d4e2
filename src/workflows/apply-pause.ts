/**
 * The follow workflow's apply pause, taken by a snapshot so the head holds still at a slice boundary.
 * Invariant: while a pause is held no apply activity runs; the `pauseApply` update replies only once the
 * apply in flight has finished, with the position it reached. A pause is a lease: if its snapshot never
 * resumes (it was terminated), apply resumes by itself after `maxSeconds`, and the late `resumeApply`
 * then answers `held: false` so that snapshot is not committed. One snapshot holds the pause at a time.
 */
import { condition, log, setHandler } from '@temporalio/workflow';
import { PauseApplyRequest, ResumeApplyRequest } from '../contracts/snapshot.js';
import { pauseApplyUpdate, resumeApplyUpdate } from './messages.js';

export class ApplyPause {
  private by: string | undefined;
  private maxMs = 0;
  private applying = false;

  /** Registers the pauseApply and resumeApply handlers; `appliedThrough` reads the apply loop's position. */
  constructor(appliedThrough: () => string) {
    setHandler(
      pauseApplyUpdate,
      async (req) => {
        await condition(() => this.by === undefined || this.by === req.by);
        this.by = req.by;
        this.maxMs = req.maxSeconds * 1000;
        await condition(() => !this.applying);
        return { appliedThrough: appliedThrough() };
      },
      { validator: (req) => void PauseApplyRequest.parse(req) },
    );
    setHandler(
      resumeApplyUpdate,
      (req) => {
        const held = this.by === req.by;
        if (held) this.by = undefined;
        return { held };
      },
      { validator: (req) => void ResumeApplyRequest.parse(req) },
    );
  }

  /** Runs one apply step, after waiting out any pause. */
  async apply<T>(step: () => Promise<T>): Promise<T> {
    // Checked again synchronously before marking: a pause taken while we were waking must win.
    while (this.by !== undefined) await this.waitForResume();
    this.applying = true;
    try {
      return await step();
    } finally {
      this.applying = false;
    }
  }

  private async waitForResume(): Promise<void> {
    const by = this.by;
    if (by === undefined) return;
    if (!(await condition(() => this.by !== by, this.maxMs))) {
      log.warn('a snapshot pause outlived its lease: apply resumes', { by, maxSeconds: this.maxMs / 1000 });
      this.by = undefined;
    }
  }
}
