import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddingCache, ImageEmbeddingSource, pickSubjectFace, type EmbeddingEngine } from '../../../src/evaluation/index.js';
import { meanEmbedding } from '../../../src/vision/embed/embedder.js';

const box = (x: number, y: number, w: number, h: number) => ({ box: { x, y, width: w, height: h } });

/** A fake engine: one face per image unless the bytes say "none"; counts its calls. */
function fakeEngine() {
  const calls = { analyze: 0, embed: 0 };
  const engine = {
    modelId: 'fake-2d',
    settings: { embedder: { model: 'resnet34', flip: false, batchSize: 1 }, detector: { model: 'ssd' }, landmarks: { model: 'full' } },
    analyze: async (input: Buffer) => {
      calls.analyze++;
      const none = input.toString() === 'none';
      const chip = { data: new Float32Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), size: 2, transform: { a: 1, b: 0, tx: 0, ty: 0 } };
      return { width: 10, height: 10, modelId: 'fake-2d', timings: {}, faces: none ? [] : [{ ...box(2, 2, 6, 6), quality: { passed: false, reasons: ['blurry'] }, chip }] };
    },
    // mirrored chips come back reversed: plain -> [1, 0], mirror -> [0, 1]
    embedChips: async (chips: { data: Float32Array }[]) => { calls.embed++; return chips.map((c) => new Float32Array(c.data[0] === 1 ? [1, 0] : [0, 1])); },
  } as unknown as EmbeddingEngine;
  return { engine, calls };
}

describe('ImageEmbeddingSource + EmbeddingCache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.jpg'), 'face');
  writeFileSync(join(dir, 'b.jpg'), 'none');

  it('computes once, then serves both flip variants from the cache; failures are cached too', async () => {
    const { engine, calls } = fakeEngine();
    const cache = new EmbeddingCache(join(dir, 'cache'));
    const plain = new ImageEmbeddingSource(engine, cache, false);
    const first = await plain.embed(join(dir, 'a.jpg'));
    expect(first).toMatchObject({ status: 'ok', cached: false, qualityPassed: false, reasons: ['blurry'] });
    expect([...first.embedding!]).toEqual([1, 0]);
    expect((await plain.embed(join(dir, 'a.jpg'))).cached).toBe(true);
    const flipped = await new ImageEmbeddingSource(engine, cache, true).embed(join(dir, 'a.jpg'));
    expect(flipped.cached).toBe(true);
    expect([...flipped.embedding!]).toEqual([...meanEmbedding(new Float32Array([1, 0]), new Float32Array([0, 1]))]);
    expect(calls.analyze).toBe(1);
    const none = await plain.embed(join(dir, 'b.jpg'));
    expect(none).toMatchObject({ status: 'no-face', cached: false });
    expect((await plain.embed(join(dir, 'b.jpg'))).cached).toBe(true);
    expect((await plain.embed(join(dir, 'missing.jpg'))).status).toBe('error');
  });

  it('keys depend on model, flip and pipeline, not on the path', () => {
    const c = new EmbeddingCache(dir);
    const base = { fileHash: 'h', modelId: 'm', flip: false, pipeline: 'p' };
    const k = c.keyOf(base);
    expect(c.keyOf({ ...base })).toBe(k);
    for (const change of [{ fileHash: 'h2' }, { modelId: 'm2' }, { flip: true }, { pipeline: 'p2' }]) expect(c.keyOf({ ...base, ...change })).not.toBe(k);
  });

  it('refuses an engine in flip mode without a head (the source averages itself)', () => {
    const { engine } = fakeEngine();
    (engine.settings.embedder as { flip: boolean }).flip = true;
    expect(() => new ImageEmbeddingSource(engine, undefined, true)).toThrow(/flip/);
  });
});

describe('pickSubjectFace', () => {
  it('prefers the largest face covering the image centre over a larger one at the edge', () => {
    const faces = [box(0, 0, 40, 40), box(40, 40, 30, 30), box(45, 45, 10, 10)];
    expect(pickSubjectFace(faces, 100, 100)).toBe(faces[1]);
    expect(pickSubjectFace([box(0, 0, 10, 10), box(70, 70, 20, 20)], 100, 100)).toEqual(box(70, 70, 20, 20));
    expect(pickSubjectFace([], 100, 100)).toBeUndefined();
  });
});
