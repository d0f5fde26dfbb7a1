// Run reporting for the trainer: a terminal progress bar (cli-progress: loss, lr, steps/s, ETA; only on a
// TTY) and metrics as JSON Lines, one object per step or evaluation, appended so a resumed run continues
// the same file (the habit of open_clip's and HF's trainers).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';

/** Writes one JSON object per line to `path` (created with its directory). Internal. */
export class _JsonlWriter {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }
  write(record: Record<string, unknown>): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
}

/** The terminal bar; a no-op when disabled. Internal. */
export class _ProgressBar {
  private readonly bar: cliProgress.SingleBar | undefined;
  private started = false;
  constructor(
    enabled: boolean,
    private readonly total: number,
  ) {
    this.bar = enabled
      ? new cliProgress.SingleBar({
          format: '{bar} {value}/{total} | loss {loss} | lr {lr} | {speed} steps/s | ETA {eta_formatted}',
          hideCursor: true,
        })
      : undefined;
  }
  update(step: number, loss: number, lr: number, speed: number): void {
    if (this.bar === undefined) return;
    const payload = { loss: loss.toFixed(4), lr: lr.toExponential(2), speed: speed.toFixed(2) };
    if (!this.started) {
      this.bar.start(this.total, step, payload);
      this.started = true;
    } else this.bar.update(step, payload);
  }
  stop(): void {
    if (this.started) this.bar?.stop();
  }
}
