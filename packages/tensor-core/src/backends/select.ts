// Backend selection in one place (the way transformers.js resolves devices): the only code in the repo that
// calls tf.setBackend. 'auto' walks BACKEND_NAMES in order (tensorflow, webgpu on real GPUs, ort, wasm,
// cpu); VLP_BACKEND forces a name or a comma-separated list; backendReport() explains every missing one.
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from './_gradients.js';
import { _envVar, _firstLine } from './_platform.js';
import { cpuCandidate } from './cpu.js';
import { ortCandidate } from './ort/candidate.js';
import { tensorflowCandidate } from './tensorflow.js';
import { BACKEND_NAMES, type BackendCandidate, type BackendName, type BackendProbe } from './types.js';
import { wasmCandidate } from './wasm.js';
import { webgpuCandidate } from './webgpu.js';

/** A backend name, an ordered list of acceptable ones, or 'auto' (the default order, real hardware only). */
export type BackendPreference = BackendName | readonly BackendName[] | 'auto';

/** What `selectBackend` chose. */
export interface SelectedBackend {
  name: BackendName;
  /** The name tfjs knows it by (`tf.getBackend()` returns this). */
  tfjsName: string;
  /** Every probe made on the way, in the order tried. */
  probes: BackendProbe[];
}

/** Options for `selectBackend`. */
export interface SelectOptions {
  /** Let `VLP_BACKEND` override the preference (default true; test harnesses pass false). */
  respectEnv?: boolean;
  /**
   * Register tfjs-core's gradients (default true). Inference-only jobs (labelling, embedding) may pass false
   * (the bundled registry costs ~4 MB of resident memory in Node). `ensureGradients()` adds them later.
   */
  gradients?: boolean;
}

/** Every backend's probe and what 'auto' would pick. */
export interface BackendReport {
  probes: BackendProbe[];
  /** The backend 'auto' picks, undefined when none is usable (cannot happen while cpu exists). */
  auto: BackendName | undefined;
  /** The raw VLP_BACKEND value when set. */
  forced: string | undefined;
}

const candidates = new Map<BackendName, BackendCandidate>([
  ['tensorflow', tensorflowCandidate],
  ['webgpu', webgpuCandidate],
  ['ort', ortCandidate],
  ['wasm', wasmCandidate],
  ['cpu', cpuCandidate],
]);

/**
 * Replaces the candidate for one backend name (a custom build, a test double). Warns on overwrite.
 *
 * @example
 * ```ts
 * import { registerBackendCandidate } from '@vlp/tensor-core';
 * registerBackendCandidate({ name: 'ort', tfjsName: 'my-ort', description: 'mine',
 *   probe: async () => ({ name: 'ort', available: true }), activate: async () => {} });
 * ```
 */
export function registerBackendCandidate(candidate: BackendCandidate): void {
  parseBackendName(candidate.name);
  if (candidates.has(candidate.name))
    console.warn(`vlp: replacing the "${candidate.name}" backend candidate`);
  candidates.set(candidate.name, candidate);
}

/**
 * Checks a user-supplied backend name.
 *
 * @throws Error `Unsupported backend "x". Should be one of: tensorflow, webgpu, ort, wasm, cpu`
 * @example
 * ```ts
 * parseBackendName('wasm'); // 'wasm'
 * ```
 */
export function parseBackendName(value: string): BackendName {
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(`Unsupported backend "${value}". Should be one of: ${BACKEND_NAMES.join(', ')}`);
}

/** Parses 'auto', a name, or a comma-separated list ("webgpu,wasm"), as found in VLP_BACKEND. */
function parsePreference(value: string): BackendPreference {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const names = value.split(',').map(parseBackendName);
  return names.length === 1 ? (names[0] as BackendName) : names;
}

function candidateFor(name: BackendName): BackendCandidate {
  const candidate = candidates.get(name);
  if (candidate === undefined) throw new Error(`No candidate registered for backend "${name}"`);
  return candidate;
}

/** Probes one candidate; a probe that throws (it must not) counts as unavailable. */
async function probe(name: BackendName): Promise<BackendProbe> {
  try {
    return await candidateFor(name).probe();
  } catch (error) {
    return { name, available: false, reason: `probe failed: ${_firstLine(error)}` };
  }
}

/**
 * Probes every backend (cheap after the first call: candidates cache what they find) and says which one
 * 'auto' would pick. Never activates anything.
 *
 * @example
 * ```ts
 * const report = await backendReport();
 * console.log(formatBackendReport(report));
 * ```
 */
export async function backendReport(): Promise<BackendReport> {
  const probes: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) probes.push(await probe(name));
  const auto = probes.find((p) => p.available && p.autoSelect !== false)?.name;
  return { probes, auto, forced: _envVar('VLP_BACKEND') };
}

function statusOf(p: BackendProbe, auto: BackendName | undefined): string {
  if (!p.available) return 'missing';
  if (p.name === auto) return 'available (auto)';
  return p.autoSelect === false ? 'available (by name only)' : 'available';
}

/**
 * Renders a report as a plain-text table, one row per backend with the reason for each missing one.
 *
 * @example
 * ```ts
 * console.log(formatBackendReport(await backendReport()));
 * // backend     status             details
 * // tensorflow  missing            tfjs-node-gpu not installed (npm i @tensorflow/tfjs-node-gpu)
 * // ...
 * ```
 */
export function formatBackendReport(report: BackendReport): string {
  const rows = report.probes.map((p) => [
    p.name,
    statusOf(p, report.auto),
    (p.available ? p.detail : p.reason) ?? '',
  ]);
  const header = ['backend', 'status', 'details'];
  const widths = [0, 1].map((i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd();
  const lines = [line(header), ...rows.map(line), '', `auto selects: ${report.auto ?? 'nothing'}`];
  if (report.forced !== undefined) {
    try {
      parsePreference(report.forced);
      lines.push(`VLP_BACKEND=${report.forced} overrides the choice`);
    } catch (error) {
      lines.push(`VLP_BACKEND=${report.forced} is invalid: ${_firstLine(error)}`);
    }
  }
  return lines.join('\n');
}

/** Registers a candidate, registers gradients, and makes it tfjs's current backend. */
async function activate(name: BackendName, gradients: boolean): Promise<string> {
  const candidate = candidateFor(name);
  await candidate.activate();
  if (gradients) await ensureGradients();
  const ok = await tf.setBackend(candidate.tfjsName);
  if (!ok) throw new Error(`tfjs could not initialise the "${candidate.tfjsName}" backend`);
  await tf.ready();
  return candidate.tfjsName;
}

function unavailableError(wanted: string, tried: BackendProbe[], all: BackendProbe[]): Error {
  const why = tried.map((p) => `${p.name}: ${p.reason ?? 'unavailable'}`).join('; ');
  const available = all.filter((p) => p.available).map((p) => p.name);
  return new Error(
    `Backend ${wanted} unavailable (${why}). Available backends: ${available.join(', ') || 'none'}`,
  );
}

/**
 * Chooses, activates and returns a backend. `VLP_BACKEND` (a name, a comma list or 'auto') overrides
 * `preference`. 'auto' takes the first available backend in BACKEND_NAMES order, skipping software WebGPU;
 * a name or list takes the first available of those (software WebGPU allowed) or throws with each reason
 * and the list of backends that are available. Gradients are registered as part of activation.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@vlp/tensor-core';
 * const { name } = await selectBackend();            // 'auto'
 * await selectBackend(['webgpu', 'wasm']);            // first that works
 * ```
 */
export async function selectBackend(
  preference: BackendPreference = 'auto',
  options: SelectOptions = {},
): Promise<SelectedBackend> {
  const forced = options.respectEnv === false ? undefined : _envVar('VLP_BACKEND');
  const chosen = forced !== undefined ? parsePreference(forced) : preference;
  const auto = chosen === 'auto';
  const order: readonly BackendName[] = auto
    ? BACKEND_NAMES
    : typeof chosen === 'string'
      ? [parseBackendName(chosen)]
      : chosen.map(parseBackendName);
  const probes: BackendProbe[] = [];
  for (const name of order) {
    const p = await probe(name);
    probes.push(p);
    if (!p.available || (auto && p.autoSelect === false)) continue;
    try {
      const tfjsName = await activate(name, options.gradients !== false);
      return { name, tfjsName, probes };
    } catch (error) {
      const failed = { name, available: false, reason: `activation failed: ${_firstLine(error)}` };
      probes[probes.length - 1] = failed;
      if (!auto) throw unavailableError(`"${name}"`, [failed], (await backendReport()).probes);
    }
  }
  const wanted = forced !== undefined ? `VLP_BACKEND=${forced}` : auto ? 'auto' : `"${order.join(', ')}"`;
  throw unavailableError(wanted, probes, (await backendReport()).probes);
}

/**
 * Frees what activated backends hold (the WebGPU device), so a long-lived process can drop the GPU or a test
 * run can exit promptly. A released backend can be selected again.
 *
 * @example
 * ```ts
 * await selectBackend('webgpu');
 * // ... work ...
 * await releaseBackends();
 * ```
 */
export async function releaseBackends(): Promise<void> {
  for (const candidate of candidates.values()) await candidate.release?.();
}
