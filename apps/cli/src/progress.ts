import type { EvalRun } from '@greenlight/sdk';

type Stream = { write(chunk: string): unknown; isTTY?: boolean; columns?: number };

/**
 * Progress of a run on stderr: a bar redrawn in place on a terminal; elsewhere (CI logs) a line when
 * the status changes or, at most every `intervalMs`, when more cases are done.
 */
export class RunProgress {
  private lastLine = '';
  private lastWrittenAt = 0;
  private lastStatus = '';
  private drewBar = false;

  constructor(
    private readonly stream: Stream,
    private readonly intervalMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  update(run: EvalRun): void {
    const total = run.total_cases;
    const done = run.completed_cases;
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const text = `${done}/${total} cases ${Math.round(share * 100)}% ${run.status}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = Math.round(share * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
      this.drewBar = true;
      return;
    }
    const statusChanged = run.status !== this.lastStatus;
    if (text === this.lastLine) return;
    if (!statusChanged && this.now() - this.lastWrittenAt < this.intervalMs) return;
    this.stream.write(`run ${run.id}: ${text}\n`);
    this.lastLine = text;
    this.lastStatus = run.status;
    this.lastWrittenAt = this.now();
  }

  /** Ends the bar's line so what follows starts on its own. */
  finish(): void {
    if (this.drewBar) this.stream.write('\n');
    this.drewBar = false;
  }
}
