// The WebGPU backend (tfjs-backend-webgpu). In a browser or Electron renderer it uses navigator.gpu; in Node
// it uses Dawn through the `webgpu` npm package (an optional dependency with prebuilt binaries), following
// DEVELOPERS.md: EGL_PLATFORM=surfaceless, create(['backend=opengl']), a 'compatibility' adapter, then our
// own WebGPUBackend registration in place of the one tfjs-backend-webgpu makes on import. Software adapters
// (llvmpipe, SwiftShader, WARP) work and are used by the test matrix, but 'auto' skips them: on a CPU they
// are slower than wasm.
import * as tf from '@tensorflow/tfjs-core';
import { _envVar, _firstLine, _isNode } from './_platform.js';
import type { BackendCandidate, BackendProbe } from './types.js';

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|swrast|basic render|\bwarp\b/i;

interface Gpu {
  gpu: GPU;
  adapter: GPUAdapter;
  /** Where the GPU object came from: the page's navigator.gpu or Dawn in Node. */
  source: 'navigator' | 'dawn';
}

interface Device extends Gpu {
  device: GPUDevice;
}

let adapterPromise: Promise<Gpu | { error: string }> | undefined;
let devicePromise: Promise<Device> | undefined;
let registered = false;

/** The page's own WebGPU, if any (browsers, Electron renderers, Deno). */
function nativeGpu(): GPU | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu;
}

/** Creates Dawn's GPU object in Node, or explains why it cannot. */
async function dawnGpu(): Promise<GPU | { error: string }> {
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return { error: 'the optional `webgpu` package (Dawn for Node) is not installed' };
    }
    return { error: `Dawn (webgpu package) failed to load: ${_firstLine(error)}` };
  }
  // EGL reads this when Dawn opens the display: 'surfaceless' needs no X11/Wayland server.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  // WebGPU constants (GPUBufferUsage, GPUMapMode, ...) that tfjs-backend-webgpu reads as globals.
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in globalThis))
      Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  }
  // Linux without a display: Dawn's OpenGL(ES) path over EGL; Vulkan on llvmpipe is rejected by Dawn.
  // Elsewhere (and when VLP_WEBGPU_DAWN_BACKEND says so) Dawn picks Vulkan/Metal/D3D12.
  const backend = _envVar('VLP_WEBGPU_DAWN_BACKEND') ?? (process.platform === 'linux' ? 'opengl' : undefined);
  try {
    return dawn.create(backend === undefined ? [] : [`backend=${backend}`]);
  } catch (error) {
    return { error: `Dawn could not start (${backend ?? 'default'} backend): ${_firstLine(error)}` };
  }
}

/** Finds an adapter once per process; the answer is shared by probe and activate. */
function findAdapter(): Promise<Gpu | { error: string }> {
  adapterPromise ??= (async () => {
    const native = nativeGpu();
    let gpu: GPU;
    let source: Gpu['source'];
    if (native !== undefined) {
      gpu = native;
      source = 'navigator';
    } else if (_isNode()) {
      const created = await dawnGpu();
      if ('error' in created) return created;
      gpu = created;
      source = 'dawn';
    } else {
      return { error: 'this browser has no navigator.gpu (WebGPU disabled or unsupported)' };
    }
    try {
      const adapter =
        (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
        (await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions));
      if (adapter === null) return { error: 'no WebGPU adapter (no GPU driver and no Mesa EGL/GL found)' };
      return { gpu, adapter, source };
    } catch (error) {
      return { error: `requestAdapter failed: ${_firstLine(error)}` };
    }
  })();
  return adapterPromise;
}

/** Facts about an adapter for the report, and whether it renders in software. */
export function _describeAdapter(adapter: GPUAdapter): { detail: string; software: boolean } {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(
    (part): part is string => typeof part === 'string' && part.length > 0,
  );
  const text = parts.join(' ');
  const fallback = info.isFallbackAdapter === true;
  const software = fallback || SOFTWARE_ADAPTER.test(text);
  const kind = fallback ? 'fallback adapter' : software ? 'software adapter' : 'hardware adapter';
  return { detail: `${text || 'unnamed adapter'} (${kind})`, software };
}

/** Requests a device with the larger limits tfjs-backend-webgpu asks for (256-wide workgroups). */
async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const limits = adapter.limits;
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  return adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
}

/** tfjs-backend-webgpu checks `navigator.gpu` at import and in its kernels; Node has no navigator (20). */
function exposeNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu === gpu) return;
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/** Drops our navigator.gpu so Dawn's background threads stop holding the process open. */
function hideNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu === gpu) delete g.navigator.gpu;
}

/**
 * The WebGPU candidate.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@vlp/tensor-core';
 * await selectBackend('webgpu'); // a software adapter is fine when asked for by name
 * ```
 */
export const webgpuCandidate: BackendCandidate = {
  name: 'webgpu',
  tfjsName: 'webgpu',
  description: 'WebGPU compute shaders (tfjs-backend-webgpu; Dawn in Node, navigator.gpu in browsers)',
  async probe(): Promise<BackendProbe> {
    const found = await findAdapter();
    if ('error' in found) return { name: 'webgpu', available: false, reason: found.error };
    const { detail, software } = _describeAdapter(found.adapter);
    const via = found.source === 'dawn' ? 'Dawn' : 'navigator.gpu';
    if (software) {
      return {
        name: 'webgpu',
        available: true,
        autoSelect: false,
        detail: `${detail} via ${via}; not auto-picked: a software GPU is slower than wasm`,
      };
    }
    return { name: 'webgpu', available: true, detail: `${detail} via ${via}` };
  },
  async activate(): Promise<void> {
    if (registered) return;
    devicePromise ??= (async () => {
      const found = await findAdapter();
      if ('error' in found) throw new Error(found.error);
      const device = await requestDevice(found.adapter);
      return { ...found, device };
    })();
    let acquired: Device;
    try {
      acquired = await devicePromise;
    } catch (error) {
      devicePromise = undefined;
      throw error;
    }
    exposeNavigatorGpu(acquired.gpu);
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    // The import registered tfjs's own 'webgpu' factory (navigator.gpu existed): it would request a second
    // adapter without our limits and compatibility level, so ours replaces it.
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(acquired.device, acquired.adapter.info));
    registered = true;
  },
  async release(): Promise<void> {
    if (devicePromise === undefined) return;
    const acquired = await devicePromise.catch(() => undefined);
    devicePromise = undefined;
    registered = false;
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
    if (acquired === undefined) return;
    acquired.device.destroy();
    if (acquired.source === 'dawn') {
      hideNavigatorGpu(acquired.gpu);
      adapterPromise = undefined;
    }
  },
};
