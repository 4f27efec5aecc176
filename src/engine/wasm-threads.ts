/**
 * tfjs-backend-wasm's multi-threaded build (XNNPACK's thread pool on WebAssembly threads) under
 * Node. TF.js ships the build (`tfjs-backend-wasm-threaded-simd.wasm`) but never selects it in
 * Node (tensorflow/tfjs#3830): its loader hands the pthread workers their scripts as Blob URLs,
 * which Node's worker_threads cannot load, and the pool is capped at half the logical cores.
 *
 * `withWasmThreads` runs the backend's initialisation with three things in place, restored
 * afterwards:
 * - the flag `WASM_HAS_MULTITHREAD_SUPPORT` (so the threaded binary is chosen) and the pool size;
 * - `Blob` / `URL.createObjectURL` that resolve the loader's two scripts to files: the pthread
 *   worker script (written once into the OS temp folder, named by its content hash) and the
 *   emscripten module the workers import (the package's own `wasm-out/…threaded-simd.js`);
 * - `os.cpus()` reporting twice the requested threads, since the C++ side caps the pool at
 *   half the logical cores (on 2 vCPUs: one thread).
 * After initialisation the pool's workers are unref'd so they never keep a process alive.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import type { TF } from './tf.js';

const require = createRequire(import.meta.url);

/** The emscripten module of the threaded build: its script starts by defining it, the pthread worker script calls it. */
const MODULE_NAME = 'WasmBackendModuleThreadedSimd';
const MODULE_SCRIPT_PREFIX = `var ${MODULE_NAME}`;
/** Prepended to the pthread worker script: inside the worker, a "blob" is the file it names. */
const WORKER_SHIM = 'URL.createObjectURL=(b)=>(b&&b.path)||String(b);URL.revokeObjectURL=()=>{};\n';

/** The emscripten module of the threaded build, as a file (undefined when the package lacks it). */
function threadedModuleScript(): string | undefined {
  const file = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  return existsSync(file) ? file : undefined;
}

/** Write `text` to a content-named file in the temp folder (atomic, shared by processes); .cjs: CommonJS whatever a package.json above the temp folder says. */
function tempScript(text: string): string {
  const file = join(os.tmpdir(), `facestream-wasm-pthread-${createHash('sha256').update(text).digest('hex').slice(0, 20)}.cjs`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    // readable by every user's processes (facestream commands run with umask 077): it is the
    // package's own script, shared by content name
    chmodSync(tmp, 0o644);
    renameSync(tmp, file);
  }
  return file;
}

interface PThreadRuntime { PThread?: { runningWorkers?: { unref?(): void }[]; unusedWorkers?: { unref?(): void }[] } }
interface WasmThreadsApi { setThreadsCount(n: number): void; getThreadsCount(): number }

/**
 * Run `init` (the backend's setBackend + ready) with the threaded build enabled for `threads`
 * threads. Returns the thread count the pool reports (1 when the threaded build could not be
 * used: then the single-threaded SIMD build runs, as without this).
 */
export async function withWasmThreads<T>(tf: TF, threads: number, init: () => Promise<T>): Promise<{ result: T; threads: number }> {
  const moduleScript = threads > 1 ? threadedModuleScript() : undefined;
  if (!moduleScript) return { result: await init(), threads: 1 };
  const g = globalThis as unknown as { Blob: unknown };
  const savedBlob = g.Blob;
  const savedCreate = URL.createObjectURL.bind(URL);
  const savedRevoke = URL.revokeObjectURL.bind(URL);
  const savedCpus = os.cpus;
  const RealBlob = savedBlob as typeof Blob;
  // Only the loader's two scripts become files; any other Blob made meanwhile is a real one.
  class ScriptFile {
    readonly path!: string;
    constructor(parts: unknown[], options?: BlobPropertyBag) {
      const text = Array.isArray(parts) && parts.every((p) => typeof p === 'string') ? parts.join('') : undefined;
      if (text?.startsWith(MODULE_SCRIPT_PREFIX)) this.path = moduleScript!;
      else if (text?.includes(`${MODULE_NAME}(Module)`)) this.path = tempScript(WORKER_SHIM + text);
      else return new RealBlob(parts as BlobPart[], options) as unknown as ScriptFile;
    }
  }
  g.Blob = ScriptFile;
  URL.createObjectURL = (b: unknown) => (b instanceof ScriptFile ? b.path : savedCreate(b as Blob));
  URL.revokeObjectURL = (u: string) => { if (!u.startsWith('/')) savedRevoke(u); };
  const real = savedCpus();
  (os as { cpus: () => os.CpuInfo[] }).cpus = () => Array.from({ length: threads * 2 }, (_, i) => real[i % real.length]!);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  (tf as unknown as WasmThreadsApi).setThreadsCount(threads);
  try {
    const result = await init();
    const wasm = (tf.backend() as unknown as { wasm?: PThreadRuntime }).wasm;
    for (const w of [...(wasm?.PThread?.runningWorkers ?? []), ...(wasm?.PThread?.unusedWorkers ?? [])]) w.unref?.();
    return { result, threads: (tf as unknown as WasmThreadsApi).getThreadsCount() };
  } finally {
    g.Blob = savedBlob;
    URL.createObjectURL = savedCreate;
    URL.revokeObjectURL = savedRevoke;
    (os as { cpus: () => os.CpuInfo[] }).cpus = savedCpus;
  }
}
