import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { FaceStreamError } from '../errors/index.js';
import type { BackendName } from '../config/schema.js';
import type { FaceApi, TF } from './tf.js';
import { installFastConcat } from './wasm-concat.js';
import { withWasmThreads } from './wasm-threads.js';

const require = createRequire(import.meta.url);

export interface LoadedBackend {
  /** The backend actually running (auto resolved). */
  name: Exclude<BackendName, 'auto'>;
  /** TF.js backend id as reported by tf.getBackend(). */
  tfBackend: string;
  tf: TF;
  faceapi: FaceApi;
  /** Threads of the wasm backend's pool (1 on other backends and on the single-threaded build). */
  threads: number;
}

let loaded: LoadedBackend | undefined;

function tryRequire(id: string): boolean {
  try {
    require(id);
    return true;
  } catch {
    return false;
  }
}

/** Where the tfjs wasm binaries live: the installed package folder (never a CDN). */
export function wasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

/** Install the WebGPU globals (Dawn through the `webgpu` npm package) before the backend module is loaded. */
function installWebGpuGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  if ((g.navigator as { gpu?: unknown } | undefined)?.gpu) return;
  let dawn: { create(flags: string[]): unknown; globals: Record<string, unknown> };
  try {
    dawn = require('webgpu') as typeof dawn;
  } catch (e) {
    throw new FaceStreamError('E_BACKEND', `webgpu backend: the 'webgpu' package (Dawn) cannot be loaded: ${(e as Error).message.split('\n')[0]}`);
  }
  Object.assign(globalThis, dawn.globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]) }, configurable: true, writable: true });
}

/**
 * Select and initialise the TF.js backend. TF.js keeps its backend in process-global state,
 * so this runs once per process; asking for a different backend later is an error.
 */
export async function loadBackend(requested: BackendName, wasmDirectory?: string, wasmThreads = 1): Promise<LoadedBackend> {
  const hasTfjsNode = () => tryRequire('@tensorflow/tfjs-node-gpu') || tryRequire('@tensorflow/tfjs-node');
  if (requested === 'tensorflow' && !hasTfjsNode()) {
    throw new FaceStreamError('E_BACKEND', "backend 'tensorflow' needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node installed (npm install @tensorflow/tfjs-node-gpu); use 'wasm' otherwise");
  }
  if (loaded) {
    if (requested !== 'auto' && requested !== loaded.name) {
      throw new FaceStreamError('E_BACKEND', `backend ${loaded.name} is already active in this process; cannot switch to ${requested}`);
    }
    return loaded;
  }
  let name: Exclude<BackendName, 'auto'>;
  if (requested === 'auto') {
    name = hasTfjsNode() ? 'tensorflow' : 'wasm';
  } else {
    name = requested;
  }
  if (name === 'webgpu') installWebGpuGlobals();
  // face-api's node-wasm bundle loads @tensorflow/tfjs and registers the wasm backend with it.
  // Literal import() specifiers (not createRequire) so a bundler can follow them (GPU check).
  // CommonJS interop differs between Node (module.exports as default) and bundlers (namespace).
  const mod = await import('@vladmandic/face-api/dist/face-api.node-wasm.js') as unknown as FaceApi & { default?: FaceApi };
  const faceapi = mod.default?.tf ? mod.default : mod;
  const tf = faceapi.tf;
  const tfBackend: string = name;
  if (name === 'wasm') {
    const dir = wasmDirectory ?? wasmDir();
    if (!existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm'))) {
      throw new FaceStreamError('E_MODEL_MISSING', `wasm backend binaries not found in ${dir} (reinstall @tensorflow/tfjs-backend-wasm or fix engine.wasmDir)`);
    }
    (tf as unknown as { setWasmPaths(p: string): void }).setWasmPaths(dir.endsWith('/') ? dir : dir + '/');
  } else if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  let ok = false;
  let threads = 1;
  const hint = name === 'wasm' && wasmThreads > 1 ? ` (with engine.wasmThreads ${wasmThreads}; 1 uses the single-threaded build)` : '';
  try {
    const init = async () => { ok = await tf.setBackend(tfBackend); await tf.ready(); };
    if (name === 'wasm') ({ threads } = await withWasmThreads(tf, wasmThreads, init));
    else await init();
  } catch (e) {
    throw new FaceStreamError('E_BACKEND', `cannot initialise the ${name} backend${hint}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!ok || tf.getBackend() !== tfBackend) {
    throw new FaceStreamError('E_BACKEND', `cannot initialise the ${name} backend${hint} (TF.js reports ${String(tf.getBackend())})`);
  }
  tf.enableProdMode();
  if (name === 'wasm') installFastConcat(tf);
  loaded = { name, tfBackend, tf, faceapi, threads };
  return loaded;
}
