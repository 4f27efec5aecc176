/**
 * GPU check, bundled into one file and run on a lent GPU machine (see bench/gpu/README.md):
 * runs the real engine on real photos with one backend and writes embeddings and timings as
 * JSON; compare.cjs then checks webgpu against wasm (cosine >= 0.999) and prints the table.
 * Inputs are pre-decoded RGB (the device has no sharp), models come from --assets.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { FaceEngine } from '../../src/engine/face-engine.js';
import type { Chip } from '../../src/vision/align/chip.aligner.js';

const arg = (name: string, fallback?: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
};
const backend = arg('backend') as 'wasm' | 'webgpu';
const assets = arg('assets');
const out = arg('out');
const runs = Number(arg('runs', '7'));
const batchSizes = arg('batches', '1,8,32,64,128').split(',').map(Number);

if (backend === 'webgpu') {
  // Dawn's Node binding: install navigator.gpu before the TF.js webgpu backend is imported.
  const dawn = { exports: {} as { create(flags: string[]): unknown; globals: Record<string, unknown> } };
  process.dlopen(dawn, arg('dawn'));
  Object.assign(globalThis, dawn.exports.globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.exports.create([]) }, configurable: true, writable: true });
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const manifest = JSON.parse(readFileSync(join(assets, 'inputs/manifest.json'), 'utf8')) as { name: string; width: number; height: number; file: string }[];
const images = manifest.map((m) => ({ ...m, image: { data: new Uint8Array(readFileSync(join(assets, 'inputs', m.file))), width: m.width, height: m.height } }));

async function main(): Promise<void> {
const result: Record<string, unknown> = { backend, node: process.version };
for (const model of ['resnet34', 'mobileface'] as const) {
  const engine = await FaceEngine.create(loadConfig({ env: {}, overrides: {
    engine: { backend, faceApiModelDir: join(assets, 'models/face-api'), humanModelDir: join(assets, 'models/human'), wasmDir: join(assets, 'wasm') },
    embedder: { model, batchSize: Math.max(...batchSizes) },
  } }));
  result.tfBackend = engine.backend.tfBackend;
  const perImage = [];
  const chips: Chip[] = [];
  const stage: Record<string, number[]> = { detect: [], landmarks: [], align: [], embed: [], total: [] };
  for (const img of images) {
    await engine.analyze(img.image); // warm-up (shader / kernel compilation)
    const timings = [];
    let last;
    for (let i = 0; i < runs; i++) { last = await engine.analyze(img.image, { keepChips: true }); timings.push(last.timings); }
    for (const k of Object.keys(stage)) stage[k]!.push(median(timings.map((t) => t[k as keyof typeof t] as number)));
    for (const f of last!.faces) if (f.chip) chips.push(f.chip);
    perImage.push({ name: img.name, faces: last!.faces.map((f) => ({ box: f.box, embedding: f.embedding ? Array.from(f.embedding) : null })) });
  }
  const batches: Record<number, number> = {};
  for (const b of batchSizes) {
    const batch = Array.from({ length: b }, (_, i) => chips[i % chips.length]!);
    await engine.embedChips(batch);
    const ts = [];
    for (let i = 0; i < runs; i++) { const t0 = performance.now(); await engine.embedChips(batch); ts.push(performance.now() - t0); }
    batches[b] = median(ts);
  }
  result[model] = { modelId: engine.modelId, images: perImage, stageMedianMsPerImage: Object.fromEntries(Object.entries(stage).map(([k, v]) => [k, median(v)])), batchMs: batches, chips: chips.length };
  engine.close();
  process.stderr.write(`${backend} ${model}: done\n`);
}
writeFileSync(out, JSON.stringify(result));
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
