// The Backends service: tensor-core's report (every backend, why each missing one is missing, the WebGPU
// adapter) and the user's choice. Main never activates a backend itself: tfjs runs in the job workers, which
// receive the effective choice and call tensor-core's `selectBackend` there.
import { type BackendReport, backendReport, formatBackendReport } from '@vlp/tensor-core';
import { ApiError, type BACKEND_CHOICES, type BackendsView } from '../../shared/contract.js';

type Choice = (typeof BACKEND_CHOICES)[number];

function statusOf(available: boolean, name: string, auto: string | undefined, autoSelect?: boolean): string {
  if (!available) return 'missing';
  if (name === auto) return 'available (auto)';
  return autoSelect === false ? 'available (by name only)' : 'available';
}

/**
 * Backend report and selection.
 *
 * @example
 * ```ts
 * const backends = new BackendService();
 * const view = await backends.report();
 * console.log(view.webgpu.adapter ?? view.webgpu.reason);
 * ```
 */
export class BackendService {
  private selected: Choice = 'auto';
  private cached: Promise<BackendReport> | undefined;

  /** `probe` is injectable for tests; the default is tensor-core's `backendReport` (cached after one call). */
  constructor(private readonly probe: () => Promise<BackendReport> = backendReport) {}

  async report(): Promise<BackendsView> {
    this.cached ??= this.probe();
    const r = await this.cached;
    const webgpu = r.probes.find((p) => p.name === 'webgpu');
    return {
      rows: r.probes.map((p) => ({
        name: p.name,
        available: p.available,
        status: statusOf(p.available, p.name, r.auto, p.autoSelect),
        details: (p.available ? p.detail : p.reason) ?? '',
      })),
      auto: r.auto ?? null,
      selected: this.selected,
      effective: this.selected === 'auto' ? (r.auto ?? null) : this.selected,
      webgpu: {
        adapter: webgpu?.available ? (webgpu.detail ?? 'unnamed adapter') : null,
        reason: webgpu?.available ? null : (webgpu?.reason ?? 'not probed'),
      },
      text: formatBackendReport(r),
    };
  }

  /** Records the backend jobs should use; a missing backend is refused with its reason. */
  async select(name: Choice): Promise<BackendsView> {
    if (name !== 'auto') {
      const row = (await this.report()).rows.find((r) => r.name === name);
      if (!row?.available) throw new ApiError(409, `backend ${name} is unavailable: ${row?.details ?? ''}`);
    }
    this.selected = name;
    return this.report();
  }
}
