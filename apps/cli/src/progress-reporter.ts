import { SingleBar } from 'cli-progress';

/**
 * A progress bar with events per second on a terminal; plain lines (at most one every 2 s) when
 * stderr is a pipe or a file, so logs stay readable. Progress goes to stderr, results to stdout.
 */
export class ProgressReporter {
  private bar: SingleBar | null = null;
  private lastLine = 0;
  private readonly started = Date.now();
  private phase = '';

  constructor(private readonly label: string) {}

  update(phase: string, done: number, total: number): void {
    const rate = Math.round(done / Math.max(0.001, (Date.now() - this.started) / 1000));
    if (process.stderr.isTTY) {
      if (!this.bar) {
        this.bar = new SingleBar({
          format: `${this.label} {phase} [{bar}] {percentage}% {value}/{total} events | {rate} events/s`,
          stream: process.stderr,
          hideCursor: true,
        });
        this.bar.start(Math.max(total, 1), 0, { phase, rate });
      }
      this.bar.setTotal(Math.max(total, done, 1));
      this.bar.update(done, { phase, rate });
      return;
    }
    if (phase !== this.phase || Date.now() - this.lastLine >= 2_000) {
      this.phase = phase;
      this.lastLine = Date.now();
      process.stderr.write(`${this.label} ${phase}: ${done}/${total} events (${rate} events/s)\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
