// The face engine of a hub (or `facestream serve`) on its own thread: started by EngineThread
// (engine-thread.ts) with the resolved settings in workerData; answers one request at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { isFaceStreamError } from '../errors/index.js';
import type { ImageInput } from '../vision/decode/image.decoder.js';
import type { AnalyzeResult, FacePipeline, PipelineSettings } from '../vision/face.pipeline.js';
import { openFacePipeline } from './face-pipeline.factory.js';
import type { EngineReply, EngineRequest } from './engine-thread.js';

const port = parentPort!;
let engine: FacePipeline;
try {
  engine = await openFacePipeline(workerData as PipelineSettings);
} catch (e) {
  port.postMessage({ type: 'failed', error: errorOf(e) } satisfies EngineReply);
  process.exit(1);
}
port.postMessage({
  type: 'ready',
  info: {
    modelId: engine.modelId, embedderName: engine.embedderName, dim: engine.dim, threshold: engine.threshold,
    identifyThreshold: engine.identifyThreshold, identifyMinMargin: engine.identifyMinMargin, decisionRules: engine.decisionRules,
    confirmModelId: engine.confirmModelId, enrollJitter: engine.enrollJitter, backend: engine.tf.getBackend() ?? null, description: engine.description,
  },
} satisfies EngineReply);

port.on('message', (req: EngineRequest) => {
  if (req.type === 'close') { engine.close(); port.close(); return; }
  void handle(req).then((reply) => port.postMessage(reply));
});

async function handle(req: Extract<EngineRequest, { type: 'analyze' }>): Promise<EngineReply> {
  try {
    const input = revive(req.input);
    const r = req.photo ? await engine.analyzePhoto(input, req.options) : await engine.analyze(input, req.options);
    return { type: 'result', id: req.id, result: portable(r), numTensors: engine.tf.memory().numTensors, heapMb: heapMb() };
  } catch (e) {
    return { type: 'error', id: req.id, error: errorOf(e), numTensors: engine.tf.memory().numTensors, heapMb: heapMb() };
  }
}

/** The engine's WebAssembly heap (MB; 0 on backends without one): it grows with the largest image and never shrinks. */
function heapMb(): number {
  const backend = engine.tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return (backend.wasm?.HEAPU8?.byteLength ?? 0) / 2 ** 20;
}

/** A Buffer arrives as a plain Uint8Array (structured clone): sharp wants a Buffer again. */
function revive(input: ImageInput): ImageInput {
  if (typeof input === 'string' || !(input instanceof Uint8Array)) return input;
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** The result without each chip's reference to the whole image (it would be copied once per face). */
function portable(r: AnalyzeResult): AnalyzeResult {
  return { ...r, faces: r.faces.map((f) => (f.chip ? { ...f, chip: { ...f.chip, source: undefined } } : f)) };
}

function errorOf(e: unknown): { code?: string; message: string } {
  return isFaceStreamError(e) ? { code: e.code, message: e.message } : { message: (e as Error)?.message ?? String(e) };
}
