/**
 * GPU check, bundled into one file and run on a lent GPU machine (see bench/gpu/README.md).
 *   make-chips: (wasm, on the dev machine) detect + align real photos, write the aligned
 *               chips of both embedders as raw float32 (the device has no image decoder);
 *   embed:      (any backend) embed every chip, time batch sizes, write JSON.
 * compare.cjs then checks webgpu against wasm (cosine >= 0.999 per chip) and prints tables.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/load.js';
import { openFacePipeline } from '../../src/roles/face-pipeline.factory.js';
import type { Chip } from '../../src/vision/align/chip.aligner.js';

const arg = (name: string, fallback?: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
};
const models = ['resnet34', 'mobileface'] as const;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

function engineFor(backend: string, model: string, assets: string | undefined, batch: number) {
  return openFacePipeline(loadConfig({ env: {}, overrides: {
    engine: { backend, ...(assets ? { faceApiModelDir: join(assets, 'models/face-api'), humanModelDir: join(assets, 'models/human'), wasmDir: join(assets, 'wasm') } : {}) },
    embedder: { model, batchSize: batch },
  } }));
}

async function makeChips(): Promise<void> {
  const dataDir = arg('data'), out = arg('chips');
  const photos = arg('photos').split(',');
  mkdirSync(out, { recursive: true });
  for (const model of models) {
    const engine = await engineFor('wasm', model, undefined, 16);
    const chips: Chip[] = [];
    for (const p of photos) {
      const buf = await sharp(join(dataDir, p)).resize(1280, 1280, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 92 }).toBuffer();
      for (const f of (await engine.analyze(buf, { keepChips: true, embed: false })).faces) chips.push(f.chip!);
    }
    const size = chips[0]!.size;
    const all = new Float32Array(chips.length * size * size * 3);
    chips.forEach((c, i) => all.set(c.data, i * size * size * 3));
    writeFileSync(join(out, `${model}.f32`), Buffer.from(all.buffer));
    writeFileSync(join(out, `${model}.json`), JSON.stringify({ count: chips.length, size, photos }));
    engine.close();
    console.log(`${model}: ${chips.length} chips of ${size}px from ${photos.length} photos`);
  }
}

async function embed(): Promise<void> {
  const backend = arg('backend'), chipsDir = arg('chips'), out = arg('out');
  const runs = Number(arg('runs', '5'));
  const batchSizes = arg('batches', '1,8,32,128').split(',').map(Number);
  if (backend === 'webgpu') {
    // Dawn's Node binding: install navigator.gpu before the TF.js webgpu backend is imported.
    const dawn = { exports: {} as { create(flags: string[]): unknown; globals: Record<string, unknown> } };
    process.dlopen(dawn, arg('dawn'));
    Object.assign(globalThis, dawn.exports.globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.exports.create([]) }, configurable: true, writable: true });
  }
  const assets = process.argv.includes('--assets') ? arg('assets') : undefined;
  const result: Record<string, unknown> = { backend, node: process.version };
  for (const model of models) {
    const meta = JSON.parse(readFileSync(join(chipsDir, `${model}.json`), 'utf8')) as { count: number; size: number };
    const raw = readFileSync(join(chipsDir, `${model}.f32`));
    const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const n = meta.size * meta.size * 3;
    const chips: Chip[] = Array.from({ length: meta.count }, (_, i) => ({ data: all.slice(i * n, (i + 1) * n), size: meta.size, transform: { a: 1, b: 0, tx: 0, ty: 0 } }));
    const engine = await engineFor(backend, model, assets, Math.max(...batchSizes));
    result.tfBackend = engine.backend.tfBackend;
    const embeddings = (await engine.embedChips(chips)).map((v) => Array.from(v));
    const batchMs: Record<number, number> = {};
    for (const b of batchSizes) {
      const batch = Array.from({ length: b }, (_, i) => chips[i % chips.length]!);
      await engine.embedChips(batch); // warm-up: kernel / shader compilation per shape
      const ts = [];
      for (let i = 0; i < runs; i++) { const t0 = performance.now(); await engine.embedChips(batch); ts.push(performance.now() - t0); }
      batchMs[b] = median(ts);
    }
    result[model] = { modelId: engine.modelId, chips: chips.length, embeddings, batchMs };
    engine.close();
    process.stderr.write(`${backend} ${model}: done\n`);
  }
  writeFileSync(out, JSON.stringify(result));
}

(process.argv[2] === 'make-chips' ? makeChips() : embed()).catch((e: unknown) => { console.error(e); process.exit(1); });
