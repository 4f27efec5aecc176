/**
 * npm run bench:engine — per-stage medians of the face engine on the wasm backend, for each
 * detector x embedder choice, on 640x480 and 1280x720 frames holding 1 and 3 real faces
 * (photos from the shared data composed onto a grey frame). Prints a markdown table.
 */
import { resolve } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../src/config/index.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import type { StageTimings } from '../src/vision/face.pipeline.js';

const dataDir = resolve(process.env.FACESTREAM_TEST_DATA ?? resolve(import.meta.dirname, '../../shared/data'));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const photos = ['people/gallery/obama/obama.jpg', 'people/gallery/biden/biden.jpg', 'people/gallery/rose_leslie/img1.jpg'];

async function frame(width: number, height: number, faces: number): Promise<Buffer> {
  const cell = Math.floor(width / faces);
  const tiles = await Promise.all(photos.slice(0, faces).map(async (p, i) => ({
    input: await sharp(resolve(dataDir, p)).resize(Math.floor(cell * 0.9), Math.floor(height * 0.9), { fit: 'inside' }).toBuffer(),
    left: i * cell + Math.floor(cell * 0.05), top: Math.floor(height * 0.05),
  })));
  return sharp({ create: { width, height, channels: 3, background: '#777777' } }).composite(tiles).jpeg({ quality: 85 }).toBuffer();
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

const rows: string[] = [];
const frames = [];
for (const [w, h] of [[640, 480], [1280, 720]] as const) for (const n of [1, 3]) frames.push({ label: `${w}x${h}, ${n} face${n > 1 ? 's' : ''}`, n, buf: await frame(w, h, n) });

for (const detector of ['tiny', 'ssd', 'faceboxes'] as const) {
  for (const embedder of ['resnet34', 'mobileface'] as const) {
    const engine = await openFacePipeline(loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' }, detector: { model: detector }, embedder: { model: embedder } } }));
    for (const f of frames) {
      await engine.analyze(f.buf); // warm-up: first calls compile kernels
      const t: StageTimings[] = [];
      let found = 0;
      for (let i = 0; i < runs; i++) { const r = await engine.analyze(f.buf); t.push(r.timings); found = r.faces.filter((x) => x.embedding).length; }
      const m = (k: keyof StageTimings) => median(t.map((x) => x[k])).toFixed(1);
      rows.push(`| ${detector} | ${embedder} | ${f.label} | ${found}/${f.n} | ${m('decode')} | ${m('detect')} | ${m('landmarks')} | ${m('align')} | ${m('embed')} | **${m('total')}** |`);
      process.stderr.write('.');
    }
    engine.close();
  }
}
process.stderr.write('\n');
console.log(`Engine stages, median of ${runs} runs, ms (wasm backend, 1 thread, ${process.arch}); embedded = faces found and embedded / faces in the frame`);
console.log('| detector | embedder | frame | embedded | decode | detect | landmarks | align | embed | end-to-end |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
