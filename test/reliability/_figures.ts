// Figures the reliability suites record for docs/reliability/REPORT.md: per kind of bad input or crash, how
// many cases were tried and how each ended (a reason code, 'loaded', 'resumed'), plus crashes survived and
// files lost. Each test file writes one JSON under a temp directory (VLP_RELIABILITY_DIR, default
// <tmpdir>/vlp-reliability), so an ordinary test run leaves the tree clean; scripts/reliability-report.mjs
// runs the suites with a fresh directory and renders the report from these files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One row of the report: a kind of input, the entry point it went through, and the outcome counts. */
export interface CaseFigure {
  kind: string;
  entry: string;
  tried: number;
  /** Outcome -> count (skip reasons, 'error: <class>', 'loaded', ...). */
  outcomes: Record<string, number>;
}

/** Everything one test file measured. */
export interface SuiteFigures {
  suite: string;
  cases: CaseFigure[];
  crashesSurvived?: number;
  filesLost?: number;
  notes?: string[];
}

/** Where the figure files go. */
export function figuresDir(): string {
  return process.env.VLP_RELIABILITY_DIR ?? join(tmpdir(), 'vlp-reliability');
}

/**
 * Collects case outcomes for one suite and writes them as `<suite>.json` (call `write()` in afterAll).
 *
 * @example
 * ```ts
 * const figures = new Figures('bad-inputs');
 * figures.count('truncated JPEG', 'loadImages', 'truncated');
 * afterAll(() => figures.write());
 * ```
 */
export class Figures {
  private readonly rows = new Map<string, CaseFigure>();
  crashesSurvived: number | undefined;
  filesLost: number | undefined;
  readonly notes: string[] = [];

  constructor(readonly suite: string) {}

  /** Records `n` (default 1) tried cases of `kind` through `entry` that ended with `outcome`. */
  count(kind: string, entry: string, outcome: string, n = 1): void {
    const key = `${kind}\u0000${entry}`;
    let row = this.rows.get(key);
    if (row === undefined) {
      row = { kind, entry, tried: 0, outcomes: {} };
      this.rows.set(key, row);
    }
    row.tried += n;
    row.outcomes[outcome] = (row.outcomes[outcome] ?? 0) + n;
  }

  /** Total cases recorded so far. */
  get total(): number {
    let n = 0;
    for (const r of this.rows.values()) n += r.tried;
    return n;
  }

  /** Writes `<figuresDir>/<suite>.json`; returns its path. */
  write(): string {
    const dir = figuresDir();
    mkdirSync(dir, { recursive: true });
    const out: SuiteFigures = { suite: this.suite, cases: [...this.rows.values()] };
    if (this.crashesSurvived !== undefined) out.crashesSurvived = this.crashesSurvived;
    if (this.filesLost !== undefined) out.filesLost = this.filesLost;
    if (this.notes.length > 0) out.notes = this.notes;
    const path = join(dir, `${this.suite}.json`);
    writeFileSync(path, `${JSON.stringify(out, null, 1)}\n`);
    return path;
  }
}
