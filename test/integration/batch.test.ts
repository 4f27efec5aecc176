import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzeResult, FacePipeline } from '../../src/vision/face.pipeline.js';
import { cosineDistance } from '../../src/vision/embed/index.js';
import { dataPath } from '../helpers/data.js';
import { createTestEngine } from '../helpers/engine.js';

/** analyzeBatch (vision.batchSize > 1): one detection call for several frames, same faces as one by one. */
describe.each(['ssd', 'tiny'] as const)('FacePipeline.analyzeBatch (%s)', (model) => {
  let engine: FacePipeline;
  const work = mkdtempSync(path.join(tmpdir(), 'fst-batch-'));
  let frames: Buffer[] = [];
  beforeAll(async () => {
    engine = await createTestEngine({ detector: { model } });
    // frames of two resolutions in one batch: hamilton 640x360, crowd scaled to 1280x720, a group photo
    execFileSync('ffmpeg', ['-v', 'error', '-i', dataPath('video/hamilton_360p.mp4'), '-vf', 'fps=2', '-frames:v', '3', path.join(work, 'h%02d.jpg')]);
    execFileSync('ffmpeg', ['-v', 'error', '-i', dataPath('video/crowd_walk_1080p.mp4'), '-vf', 'fps=2,scale=1280:-2', '-frames:v', '2', path.join(work, 'c%02d.jpg')]);
    frames = [...readdirSync(work).sort().map((f) => readFileSync(path.join(work, f))), readFileSync(dataPath('people/scenes/bbt1.jpg')), readFileSync(dataPath('people/probes/two_people.jpg'))];
  }, 60_000);
  afterAll(() => { engine?.close(); rmSync(work, { recursive: true, force: true }); });

  const same = (a: AnalyzeResult, b: AnalyzeResult, label: string) => {
    expect(b.faces.length, label).toBe(a.faces.length);
    a.faces.forEach((f, i) => {
      const g = b.faces[i]!;
      for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(g.box[k] - f.box[k]), `${label} face ${i} ${k}`).toBeLessThanOrEqual(1);
      expect(g.quality.passed, `${label} face ${i} gate`).toBe(f.quality.passed);
      if (f.embedding) expect(cosineDistance(f.embedding, g.embedding!), `${label} face ${i} embedding`).toBeLessThan(1e-4);
    });
  };

  it('every frame of a mixed-size batch gets the faces analyze() finds alone (boxes within 1 px, same embeddings)', async () => {
    const alone: AnalyzeResult[] = [];
    for (const f of frames) alone.push(await engine.analyze(f));
    const batch = await engine.analyzeBatch(frames);
    expect(batch).toHaveLength(frames.length);
    expect(alone.reduce((n, r) => n + r.faces.length, 0)).toBeGreaterThan(0);
    alone.forEach((a, i) => same(a, batch[i]!, `frame ${i}`));
  }, 180_000);

  it('repeated batches leave the TF.js tensor count unchanged', async () => {
    await engine.analyzeBatch(frames.slice(0, 3), { embed: false });
    const before = engine.tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await engine.analyzeBatch(frames.slice(0, 3), { embed: i % 2 === 0, keepChips: true, signatures: true });
    expect(engine.tf.memory().numTensors).toBe(before);
  }, 180_000);
});
