// `vlp doctor`: what this machine can run. Probes every backend (tensorflow, webgpu, ort, wasm, cpu), says
// which one 'auto' picks and why each missing one is missing, plus the runtime versions that matter.
import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendName,
  type BackendProbe,
  backendReport,
  formatBackendReport,
  releaseBackends,
} from '@vlp/tensor-core';
import type { Command } from 'commander';

/** Everything `vlp doctor` reports; `--json` prints exactly this. */
export interface DoctorReport {
  node: string;
  platform: string;
  tfjs: string;
  backends: BackendProbe[];
  /** The backend `selectBackend('auto')` picks. */
  auto: BackendName | undefined;
  /** VLP_BACKEND, when set. */
  forced: string | undefined;
}

/**
 * Gathers the doctor report. Probes only: no backend is activated.
 *
 * @example
 * ```ts
 * const report = await doctor();
 * report.backends.filter((b) => !b.available).map((b) => `${b.name}: ${b.reason}`);
 * ```
 */
export async function doctor(): Promise<DoctorReport> {
  const report = await backendReport();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tfjs: tf.version_core,
    backends: report.probes,
    auto: report.auto,
    forced: report.forced,
  };
}

/**
 * Renders the report for a terminal: runtime line, then the backend table.
 *
 * @example
 * ```ts
 * console.log(formatDoctor(await doctor()));
 * ```
 */
export function formatDoctor(report: DoctorReport): string {
  const table = formatBackendReport({ probes: report.backends, auto: report.auto, forced: report.forced });
  return [`node ${report.node} on ${report.platform}, tfjs-core ${report.tfjs}`, '', table].join('\n');
}

/**
 * Adds `doctor [--json]` to a program.
 *
 * @example
 * ```ts
 * registerDoctor(new Command('vlp')).parseAsync(['node', 'vlp', 'doctor', '--json']);
 * ```
 */
export function registerDoctor(program: Command): Command {
  program
    .command('doctor')
    .description('check which compute backends work here and why the others do not')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      try {
        const report = await doctor();
        console.log(options.json === true ? JSON.stringify(report, null, 2) : formatDoctor(report));
      } finally {
        await releaseBackends();
      }
    });
  return program;
}
