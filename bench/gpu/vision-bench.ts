/**
 * npm run bench:gpu — the whole vision stage (detect → landmarks → align → quality → embed, with
 * vision.batchSize batching) against N looped cameras, on a GPU (webgpu) or, with
 * `--backend wasm`, on this machine's CPU (that is how it is tested here).
 *
 *   make-frames --out DIR        (dev machine, ffmpeg) decode frames of the shared clips at 720p
 *                                and 1080p into raw RGB files: the device has no image decoder
 *   run [--frames DIR] [--backend webgpu|wasm] [--dawn dawn.node] [--assets DIR]
 *       [--cameras 50] [--fps 5] [--seconds 20] [--batches 1,8,32] [--resolutions 720,1080]
 *       [--detectors faceboxes,ssd] (default: the configured default detector)
 *       [--json out.json]
 *
 * Each camera replays the clip frames at --fps from its own offset; a frame waits in a queue
 * until the stage takes it (BullMQ's role in the product; Redis and JPEG decoding are left
 * out: this measures the GPU stage); a camera keeps at most ingest.maxInFlightPerCamera frames
 * waiting (a new one evicts the oldest) and a frame older than vision.maxFrameAgeMs is dropped,
 * as ingest and worker do. Prints analysed frames/s, faces/s, batch sizes reached, capture→analysed
 * p50/p95, and the stage time per frame (detect, landmarks, embed run on the backend; align and
 * quality run on the CPU).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { openFacePipeline } from '../../src/roles/face-pipeline.factory.js';
import { setHeapGrowingPercent } from '../../src/roles/heap-growth.js';
import type { RgbImage } from '../../src/vision/decode/image.decoder.js';
import type { AnalyzeResult } from '../../src/vision/face.pipeline.js';
import { MicroBatcher } from '../../src/vision/micro-batcher.js';

const argv = process.argv.slice(2);
const mode = argv[0];
const has = (name: string) => argv.includes(`--${name}`);
const arg = (name: string, fallback?: string): string => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
};
const sizes: Record<string, [number, number]> = { 720: [1280, 720], 1080: [1920, 1080] };
const clips = ['crowd_walk_1080p.mp4', 'hamilton_360p.mp4'];

function makeFrames(out: string, perClip: number): void {
  const data = resolve(process.env.FACESTREAM_TEST_DATA ?? '../shared/data');
  mkdirSync(out, { recursive: true });
  for (const [res, [w, h]] of Object.entries(sizes)) {
    for (const clip of clips) {
      const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', join(data, 'video', clip), '-vf', `fps=2,scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2`, '-frames:v', String(perClip), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
      const n = raw.length / (w * h * 3);
      for (let i = 0; i < n; i++) writeFileSync(join(out, `${res}-${clip.split('_')[0]}-${i}.rgb`), raw.subarray(i * w * h * 3, (i + 1) * w * h * 3));
    }
  }
}

function loadFrames(dir: string, res: string): RgbImage[] {
  const [width, height] = sizes[res]!;
  return readdirSync(dir).filter((f) => f.startsWith(`${res}-`) && f.endsWith('.rgb')).sort()
    .map((f) => ({ data: new Uint8Array(readFileSync(join(dir, f))), width, height, channels: 3 as const }));
}

const quantile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN; };

interface Row {
  backend: string; detector?: string; res: string; cameras: number; batch: number; offered: number; analysed: number; dropped: number; facesPerS: number;
  meanBatch: number; maxBatch: number; p50: number; p95: number; ms: { detect: number; landmarks: number; align: number; embed: number };
}

async function run(): Promise<void> {
  const backend = arg('backend', 'webgpu');
  if (backend === 'webgpu') {
    // Dawn's Node binding: install navigator.gpu before the TF.js webgpu backend is imported.
    const dawn = { exports: {} as { create(flags: string[]): unknown; globals: Record<string, unknown> } };
    process.dlopen(dawn, resolve(arg('dawn', 'node_modules/webgpu/dist/linux-x64/dawn.node')));
    Object.assign(globalThis, dawn.exports.globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.exports.create([]) }, configurable: true, writable: true });
  }
  const cameras = Number(arg('cameras', backend === 'wasm' ? '2' : '50'));
  const fps = Number(arg('fps', '5'));
  const seconds = Number(arg('seconds', '20'));
  const batches = arg('batches', backend === 'wasm' ? '1,4' : '1,8,32').split(',').map(Number);
  const resolutions = arg('resolutions', '720,1080').split(',');
  const detectors = has('detectors') ? arg('detectors').split(',') : [loadConfig({ env: {}, overrides: {} }).detector.model];
  if (![cameras, fps, seconds, ...batches].every((x) => Number.isFinite(x) && x > 0)) throw new Error('--cameras, --fps, --seconds and --batches take positive numbers');
  let framesDir = has('frames') ? arg('frames') : '';
  const ownFrames = !framesDir;
  if (ownFrames) {
    framesDir = join(process.env.TMPDIR ?? '/tmp', `fs-gpu-frames-${process.pid}`);
    makeFrames(framesDir, 4);
  }
  try {
    await runAll(backend, framesDir, { cameras, fps, seconds, batches, resolutions, detectors });
  } finally {
    if (ownFrames) rmSync(framesDir, { recursive: true, force: true });
  }
}

async function runAll(backend: string, framesDir: string, o: { cameras: number; fps: number; seconds: number; batches: number[]; resolutions: string[]; detectors: string[] }): Promise<void> {
  const { cameras, fps, seconds, batches, resolutions, detectors } = o;
  const assets = has('assets') ? arg('assets') : undefined;
  const base = loadConfig({ env: {}, overrides: {} });
  // the vision stage as a worker process runs it (startVisionRole does the same)
  setHeapGrowingPercent(base.vision.heapGrowingPercent);
  const rows: Row[] = [];
  for (const detector of detectors) for (const batch of batches) {
    const engine = await openFacePipeline(loadConfig({ env: {}, overrides: {
      engine: { backend, ...(assets ? { faceApiModelDir: join(assets, 'models/face-api'), humanModelDir: join(assets, 'models/human'), wasmDir: join(assets, 'wasm') } : {}) },
      detector: { model: detector },
      embedder: { batchSize: Math.max(16, batch * 4) },
    } }));
    try {
      for (const res of resolutions) {
        const frames = loadFrames(framesDir, res);
        if (!frames.length) throw new Error(`no ${res}p frames in ${framesDir}`);
        // warm-up: shader compilation / first-call costs for this batch shape
        await engine.analyzeBatch(frames.slice(0, Math.min(batch, frames.length)));
        rows.push({ ...await runOne(engine, frames, { backend, res, cameras, fps, seconds, batch, maxAgeMs: base.vision.maxFrameAgeMs, maxInFlight: base.ingest.maxInFlightPerCamera }), detector });
        process.stderr.write(`bench: ${backend} ${detector} ${res}p cameras ${cameras} batch ${batch}: done\n`);
      }
    } finally {
      engine.close();
    }
  }
  const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
  console.log(`\nVision stage, ${backend}; ${cameras} cameras at ${fps} fps replaying the shared clips (crowd + hamilton), ${seconds} s per row after warm-up; 68 landmarks + ResNet-34, every passing face embedded.`);
  console.log('| backend | detector | frames | cameras | vision.batchSize | offered frames/s | analysed frames/s | dropped frames/s | faces/s | batch mean / max | capture→analysed p50 / p95 (s) | ms per frame: detect / landmarks / align+quality (CPU) / embed |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.backend} | ${r.detector} | ${r.res}p | ${r.cameras} | ${r.batch} | ${f1(r.offered)} | ${f1(r.analysed)} | ${f1(r.dropped)} | ${f1(r.facesPerS)} | ${f1(r.meanBatch)} / ${r.maxBatch} | ${f2(r.p50)} / ${f2(r.p95)} | ${f1(r.ms.detect)} / ${f1(r.ms.landmarks)} / ${f1(r.ms.align)} / ${f1(r.ms.embed)} |`);
  }
  if (has('json')) writeFileSync(arg('json'), JSON.stringify({ backend, node: process.version, rows }, null, 1));
}

async function runOne(engine: Awaited<ReturnType<typeof openFacePipeline>>, frames: RgbImage[], o: { backend: string; res: string; cameras: number; fps: number; seconds: number; batch: number; maxAgeMs: number; maxInFlight: number }): Promise<Row> {
  const latencies: number[] = [];
  const batchSizes: number[] = [];
  const stage = { detect: 0, landmarks: 0, align: 0, embed: 0 };
  let analysed = 0, dropped = 0, faces = 0, offered = 0;
  const batcher = new MicroBatcher<RgbImage, { r: AnalyzeResult; n: number }>(o.batch, 20, async (imgs) => (await engine.analyzeBatch(imgs)).map((r) => ({ r, n: imgs.length })), (n) => batchSizes.push(n));
  // per camera at most ingest.maxInFlightPerCamera frames wait; a new one evicts the oldest (the product's backpressure)
  const waiting: { image: RgbImage; at: number }[][] = Array.from({ length: o.cameras }, () => []);
  const start = performance.now();
  const end = start + o.seconds * 1000;
  // cameras: each captures a frame every 1000/fps ms (phases spread over the interval). The
  // capture schedule is computed, not timed: on wasm the analysis blocks this process's event
  // loop, while in the product the ingest runs in its own process and keeps capturing.
  const period = 1000 / o.fps;
  const next = Array.from({ length: o.cameras }, (_, c) => start + (c * period) / o.cameras);
  const shown = Array.from({ length: o.cameras }, (_, c) => c);
  const pump = () => {
    const now = Math.min(performance.now(), end);
    for (let c = 0; c < o.cameras; c++) {
      while (next[c]! <= now) {
        offered++;
        const q = waiting[c]!;
        q.push({ image: frames[shown[c]!++ % frames.length]!, at: next[c]! });
        if (q.length > o.maxInFlight) { q.shift(); dropped++; }
        next[c]! += period;
      }
    }
  };
  /** The oldest waiting frame of any camera (BullMQ hands jobs out in order). */
  const take = () => {
    let best = -1;
    waiting.forEach((q, c) => { if (q.length && (best < 0 || q[0]!.at < waiting[best]![0]!.at)) best = c; });
    return best < 0 ? undefined : waiting[best]!.shift();
  };
  // the stage: up to `batch` frames in flight (BullMQ concurrency in the worker)
  const workers = Array.from({ length: o.batch }, async () => {
    while (performance.now() < end) {
      pump();
      const job = take();
      if (!job) { await new Promise((ok) => setTimeout(ok, 2)); continue; }
      if (performance.now() - job.at > o.maxAgeMs) { dropped++; continue; }
      const { r, n } = await batcher.submit(job.image);
      // a batch's stage timings are shared by its frames: count each frame's share
      stage.detect += r.timings.detect / n; stage.landmarks += r.timings.landmarks / n; stage.align += r.timings.align / n; stage.embed += r.timings.embed / n;
      analysed++;
      faces += r.faces.length;
      latencies.push((performance.now() - job.at) / 1000);
    }
  });
  await Promise.all(workers);
  pump();
  const wall = (performance.now() - start) / 1000;
  dropped += waiting.reduce((n, q) => n + q.length, 0);
  const per = (x: number) => (analysed ? x / analysed : NaN);
  return {
    backend: o.backend, res: o.res, cameras: o.cameras, batch: o.batch, offered: offered / wall, analysed: analysed / wall, dropped: dropped / wall, facesPerS: faces / wall,
    meanBatch: batchSizes.length ? batchSizes.reduce((a, b) => a + b, 0) / batchSizes.length : NaN, maxBatch: Math.max(0, ...batchSizes),
    p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95),
    ms: { detect: per(stage.detect), landmarks: per(stage.landmarks), align: per(stage.align), embed: per(stage.embed) },
  };
}

// no top-level await: the device runs this bundled as CommonJS
if (mode === 'make-frames') makeFrames(arg('out'), Number(arg('per-clip', '4')));
else if (mode === 'run') run().catch((e: unknown) => { process.stderr.write(`bench:gpu: ${(e as Error).stack ?? String(e)}\n`); process.exit(1); });
else throw new Error('usage: vision-bench.ts make-frames --out DIR | run [--backend webgpu|wasm] [--frames DIR] ...');
