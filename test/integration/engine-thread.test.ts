import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceStreamError } from '../../src/errors/index.js';
import { EngineThread } from '../../src/roles/engine-thread.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { repoRoot } from '../helpers/data.js';
import { createTestEngine, testConfig } from '../helpers/engine.js';

/**
 * The hub's engine on a worker thread (src/roles/engine-thread.ts): the same answers as the
 * engine in the process, photos above image.photoMaxPixels analysed downscaled but reported in
 * their own pixels, errors with their codes, and a fresh thread after a photo grew the heap.
 */

const photo = path.join(repoRoot, 'examples/gallery/obama/obama.jpg'); // 910x1137
let inline: FacePipeline;
let thread: EngineThread;

beforeAll(async () => {
  [inline, thread] = await Promise.all([createTestEngine(), EngineThread.start(testConfig())]);
}, 120_000);
afterAll(async () => { inline?.close(); await thread?.close(); });

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe('EngineThread', () => {
  it('answers as the engine in the process: same boxes, embeddings and confirming embeddings', { timeout: 120_000 }, async () => {
    const [a, b] = [await inline.analyzePhoto(photo), await thread.analyzePhoto(photo)];
    expect(b.faces).toHaveLength(a.faces.length);
    expect(b.modelId).toBe(a.modelId);
    expect(thread.decisionRules).toEqual(inline.decisionRules);
    expect(thread.confirmModelId).toBe(inline.confirmModelId);
    for (const [fa, fb] of a.faces.map((f, i) => [f, b.faces[i]!] as const)) {
      expect(fb.box.x).toBeCloseTo(fa.box.x, 3);
      expect(maxAbsDiff(fa.embedding!, fb.embedding!)).toBeLessThan(1e-5);
      if (fa.confirmEmbedding) expect(maxAbsDiff(fa.confirmEmbedding, fb.confirmEmbedding!)).toBeLessThan(1e-5);
    }
  });

  it('a photo above image.photoMaxPixels is analysed downscaled, its boxes in the photo\'s own pixels', { timeout: 120_000 }, async () => {
    const big = await sharp(photo).resize(3640, 4548).jpeg({ quality: 92 }).toBuffer(); // 16.6 MP, 4x the original
    const [small, large] = [await thread.analyzePhoto(photo), await thread.analyzePhoto(big)];
    expect(large.width).toBe(3640);
    expect(large.height).toBe(4548);
    expect(large.faces).toHaveLength(small.faces.length);
    const [s, l] = [small.faces[0]!, large.faces[0]!];
    // the same face: 4x the box (the detector saw a 2.1x downscaled image; a few pixels of rounding)
    for (const k of ["x", "y", "width", "height"] as const) expect(Math.abs(l.box[k] - 4 * s.box[k]), k).toBeLessThan(0.1 * 4 * s.box.width);
    expect(l.landmarks.leftEye[0]).toBeGreaterThan(l.box.x);
    expect(l.landmarks.leftEye[0]).toBeLessThan(l.box.x + l.box.width);
  });

  it('errors keep their code across the thread', async () => {
    const e = await thread.analyzePhoto(Buffer.from('not an image at all')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FaceStreamError);
    expect((e as FaceStreamError).code).toBe('E_NOT_AN_IMAGE');
    // and the thread goes on
    expect((await thread.analyzePhoto(readFileSync(photo))).faces.length).toBeGreaterThan(0);
  });

  it('after a large photo grew the heap past the working size, a fresh thread takes over and answers the same', { timeout: 180_000 }, async () => {
    const t = await EngineThread.start(testConfig(), { recycleAboveMb: 16 });
    try {
      const before = await t.analyzePhoto(photo);
      const bomb = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: { r: 120, g: 90, b: 70 } } }).png().toBuffer();
      await t.analyzePhoto(bomb); // 4 MP after decoding: the heap grows well past 16 MB over a normal photo
      for (let i = 0; i < 600 && t.recycled === 0; i++) await new Promise((ok) => setTimeout(ok, 100));
      expect(t.recycled).toBe(1);
      const after = await t.analyzePhoto(photo);
      expect(maxAbsDiff(before.faces[0]!.embedding!, after.faces[0]!.embedding!)).toBeLessThan(1e-5);
    } finally {
      await t.close();
    }
  });
});
