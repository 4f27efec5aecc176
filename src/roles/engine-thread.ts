import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EmbedderName } from '../config/schema.js';
import { FaceStreamError, type ErrorCode } from '../errors/index.js';
import type { FaceAnalyzer } from '../identify/gallery.types.js';
import { decodeImage, type ImageInput, type RgbImage } from '../vision/decode/image.decoder.js';
import type { Point } from '../vision/align/similarity.js';
import type { AnalyzeOptions, AnalyzeResult, DecisionRules, PipelineSettings } from '../vision/face.pipeline.js';

interface EngineInfo {
  modelId: string; embedderName: EmbedderName; dim: number; threshold: number; identifyThreshold: number; identifyMinMargin: number;
  decisionRules: DecisionRules; confirmModelId: string | undefined; enrollJitter: number; backend: string | null; description: object;
}
export type EngineRequest =
  | { type: 'analyze'; id: number; photo: boolean; input: ImageInput; options?: AnalyzeOptions }
  | { type: 'close' };
export type EngineReply =
  | { type: 'ready'; info: EngineInfo }
  | { type: 'failed'; error: { code?: string; message: string } }
  | { type: 'result'; id: number; result: AnalyzeResult; numTensors: number; heapMb: number }
  | { type: 'error'; id: number; error: { code?: string; message: string }; numTensors: number; heapMb: number };

const here = fileURLToPath(import.meta.url);
const workerEntry = path.join(path.dirname(here), `engine-thread.worker${path.extname(here)}`);

/**
 * The face engine on a worker thread: a FaceAnalyzer whose networks never hold the caller's
 * event loop, so a hub keeps answering health probes, the dashboard and live events while it
 * identifies or enrolls photos (TF.js inference on the wasm and cpu backends is synchronous).
 * Requests run one at a time in order (one engine); the caller bounds how many wait (the API's
 * analysis gate). Photos are decoded on this side (sharp works off the event loop) within the
 * configured limits, then copied to the thread; chips come back without their source image.
 */
export class EngineThread implements FaceAnalyzer {
  private readonly pending = new Map<number, { ok: (r: AnalyzeResult) => void; fail: (e: Error) => void; worker: Worker }>();
  private nextId = 0;
  private numTensors = 0;
  private closed = false;
  /** The smallest engine memory seen after a request: the working size of normal photos. */
  private workingHeapMb = Infinity;
  private recycling: Promise<void> | undefined;
  private recycledCount = 0;

  private constructor(private worker: Worker, private readonly info: EngineInfo, private readonly settings: PipelineSettings, private readonly recycleAboveMb: number) {
    this.attach(worker);
  }

  /** Start the thread and load the models (seconds); rejects when the engine cannot load. */
  static async start(settings: PipelineSettings, options: { recycleAboveMb?: number } = {}): Promise<EngineThread> {
    const { worker, info } = await spawnEngine(settings);
    return new EngineThread(worker, info, settings, options.recycleAboveMb ?? 64);
  }

  private attach(worker: Worker): void {
    worker.on('message', (m: EngineReply) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      this.numTensors = m.numTensors;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'result') p?.ok(m.result);
      else p?.fail(toError(m.error));
      if (worker === this.worker) this.afterRequest(m.heapMb);
    });
    const failAll = (e: Error) => {
      for (const [id, p] of this.pending) if (p.worker === worker) { p.fail(e); this.pending.delete(id); }
    };
    worker.on('error', (e) => failAll(new FaceStreamError('E_BACKEND', `the engine thread failed: ${e.message}`)));
    worker.on('exit', (code) => {
      failAll(new FaceStreamError('E_BACKEND', `the engine thread exited (${code})`));
      if (worker === this.worker) this.closed = true;
    });
  }

  /**
   * WebAssembly memory only grows: one large photo would keep the engine's heap at its size for
   * the life of the process. When the heap has grown more than recycleAboveMb past the working
   * size of normal photos, a fresh engine thread is loaded beside it, takes the new requests,
   * and the old one ends once its requests are answered (its memory goes with it).
   */
  private afterRequest(heapMb: number): void {
    if (heapMb <= 0) return;
    this.workingHeapMb = Math.min(this.workingHeapMb, heapMb);
    if (heapMb > this.workingHeapMb + this.recycleAboveMb && !this.recycling && !this.closed) {
      this.recycling = this.recycle().finally(() => { this.recycling = undefined; });
    }
  }

  private async recycle(): Promise<void> {
    let fresh: Worker;
    try {
      ({ worker: fresh } = await spawnEngine(this.settings));
    } catch {
      return; // keep the current engine; the next large photo tries again
    }
    if (this.closed) { await fresh.terminate(); return; }
    const old = this.worker;
    this.worker = fresh;
    this.attach(fresh);
    this.recycledCount++;
    // the old engine finishes what it was given, then goes
    while ([...this.pending.values()].some((p) => p.worker === old)) await new Promise((ok) => setTimeout(ok, 50));
    old.postMessage({ type: 'close' } satisfies EngineRequest);
    await old.terminate();
  }

  /** Engine threads replaced to return memory (see afterRequest). */
  get recycled(): number { return this.recycledCount; }

  get modelId(): string { return this.info.modelId; }
  get embedderName(): EmbedderName { return this.info.embedderName; }
  get dim(): number { return this.info.dim; }
  get threshold(): number { return this.info.threshold; }
  get identifyThreshold(): number { return this.info.identifyThreshold; }
  get identifyMinMargin(): number { return this.info.identifyMinMargin; }
  get decisionRules(): DecisionRules { return this.info.decisionRules; }
  get confirmModelId(): string | undefined { return this.info.confirmModelId; }
  get enrollJitter(): number { return this.info.enrollJitter; }
  get description(): object { return this.info.description; }
  /** What ops reads: the thread's tensor count after its last request, and its backend. */
  get tf() {
    return { memory: () => ({ numTensors: this.numTensors }), getBackend: () => this.info.backend ?? undefined };
  }
  /** Requests sent and not answered yet. */
  get queued(): number { return this.pending.size; }

  /** Photos are decoded at most image.photoMaxPixels (downscaled while decoding). */
  decode(input: ImageInput): Promise<RgbImage> {
    return decodeImage(input, this.settings.image, this.settings.image.photoMaxPixels);
  }

  analyze(input: ImageInput, options?: AnalyzeOptions): Promise<AnalyzeResult> { return this.request(false, input, options); }
  analyzePhoto(input: ImageInput, options?: AnalyzeOptions): Promise<AnalyzeResult> { return this.request(true, input, options); }

  private async request(photo: boolean, input: ImageInput, options?: AnalyzeOptions): Promise<AnalyzeResult> {
    if (this.closed) throw new FaceStreamError('E_BACKEND', 'the engine thread is closed');
    // decode here (bounded, off the event loop in sharp's pool); the thread gets RGB
    const image = await this.decode(input);
    const id = this.nextId++;
    const worker = this.worker;
    const result = await new Promise<AnalyzeResult>((ok, fail) => {
      this.pending.set(id, { ok, fail, worker });
      worker.postMessage({ type: 'analyze', id, photo, input: image, ...(options ? { options } : {}) } satisfies EngineRequest);
    });
    return image.original ? inOriginalPixels(result, image.original) : result;
  }

  /** Stop the thread (waiting requests fail). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.fail(new FaceStreamError('E_BACKEND', 'the engine thread is closing'));
    this.pending.clear();
    await this.recycling;
    this.worker.postMessage({ type: 'close' } satisfies EngineRequest);
    await this.worker.terminate();
  }
}

/** Boxes and landmarks of a downscaled photo, in the stored image's pixels (chips keep the decoded image's frame). */
function inOriginalPixels(r: AnalyzeResult, original: { width: number; height: number }): AnalyzeResult {
  const kx = original.width / r.width, ky = original.height / r.height;
  const pt = (p: Point): Point => [p[0] * kx, p[1] * ky];
  return {
    ...r, width: original.width, height: original.height,
    faces: r.faces.map((f) => ({
      ...f,
      box: { x: f.box.x * kx, y: f.box.y * ky, width: f.box.width * kx, height: f.box.height * ky },
      landmarks: { leftEye: pt(f.landmarks.leftEye), rightEye: pt(f.landmarks.rightEye), nose: pt(f.landmarks.nose), mouthLeft: pt(f.landmarks.mouthLeft), mouthRight: pt(f.landmarks.mouthRight) },
      landmarks68: f.landmarks68.map(pt),
    })),
  };
}

/** A worker thread with the engine loaded; rejects when it cannot load. */
function spawnEngine(settings: PipelineSettings): Promise<{ worker: Worker; info: EngineInfo }> {
  const worker = workerEntry.endsWith('.ts')
    // from source (tests, tsx): the thread registers tsx itself before loading the entry
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerEntry)}); })`, { eval: true, workerData: settings })
    : new Worker(workerEntry, { workerData: settings });
  return new Promise((ok, fail) => {
    const onMessage = (m: EngineReply) => {
      if (m.type === 'ready') { cleanup(); ok({ worker, info: m.info }); }
      if (m.type === 'failed') { cleanup(); void worker.terminate(); fail(toError(m.error)); }
    };
    const onError = (e: Error) => { cleanup(); fail(new FaceStreamError('E_BACKEND', `the engine thread failed to start: ${e.message}`)); };
    const onExit = (code: number) => { cleanup(); fail(new FaceStreamError('E_BACKEND', `the engine thread exited while loading (${code})`)); };
    const cleanup = () => { worker.off('message', onMessage); worker.off('error', onError); worker.off('exit', onExit); };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

function toError(e: { code?: string; message: string }): Error {
  return e.code ? new FaceStreamError(e.code as ErrorCode, e.message) : new Error(e.message);
}
