import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { openFacePipeline } from '../../src/roles/face-pipeline.factory.js';
import { listLabelledImages } from '../../src/evaluation/index.js';
import { ProjectionHead, saveHead, trainHead } from '../../src/training/index.js';
import { dataPath } from '../helpers/data.js';

/** A short real training run: 10 LFW people with 3+ photos, ResNet-34 embeddings, wasm gradients. */
describe('train a projection head on real embeddings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-train-'));
  let engine: FacePipeline | undefined;
  afterAll(() => { engine?.close(); rmSync(dir, { recursive: true, force: true }); });

  it('lowers the training loss, saves a TF.js model the engine applies after embedding', async () => {
    engine = await openFacePipeline(loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' } } }));
    const all = await listLabelledImages(dataPath('lfw-view1/images'));
    const counts = new Map<string, number>();
    for (const i of all) counts.set(i.person, (counts.get(i.person) ?? 0) + 1);
    const people = [...counts].filter(([, n]) => n >= 3).map(([p]) => p).sort().slice(0, 10);
    const chosen = all.filter((i) => people.includes(i.person)).filter((i, k, xs) => xs.slice(0, k).filter((x) => x.person === i.person).length < 3);
    const vectors: Float32Array[] = [], identities: string[] = [];
    for (const i of chosen) {
      const r = await engine.analyze(i.path);
      const f = r.faces.find((x) => x.embedding);
      if (f) { vectors.push(f.embedding!); identities.push(i.person); }
    }
    expect(vectors.length).toBeGreaterThanOrEqual(24);

    const result = await trainHead(engine.tf, { vectors, identities }, {
      loss: 'triplet', margin: 0.5, epochs: 8, stepsPerEpoch: 10, learningRate: 0.01, hidden: 0, valFraction: 0.2,
      patience: 100, p: 6, k: 3, seed: 1, exclude: ['Not_In_This_Set'],
    });
    expect(result.identities.val).toBe(2);
    expect(result.lastTrainLoss).toBeLessThan(result.firstTrainLoss);
    await expect(trainHead(engine!.tf, { vectors, identities }, { ...{ loss: 'triplet', margin: 0.5, epochs: 1, stepsPerEpoch: 1, learningRate: 0.01, hidden: 0, valFraction: 0.2, patience: 1, p: 4, k: 2, seed: 1 }, exclude: [identities[0]!] })).rejects.toThrow(/leak/);

    const headDir = join(dir, 'head');
    const meta = await saveHead(engine.tf, result.model, headDir, { backboneModelId: engine.modelId, flip: false, inputDim: 128, outputDim: 128, hidden: 0, loss: 'triplet', margin: 0.5, data: {}, metrics: {}, createdAt: new Date().toISOString() });
    result.model.dispose();
    const modelJson = JSON.parse(readFileSync(join(headDir, 'model.json'), 'utf8')) as { format: string; weightsManifest: { paths: string[] }[] };
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0]!.paths).toEqual(['weights.bin']);

    // the engine with embedder.head: modelId names the head, embeddings are head(backbone), unit length
    const head = await ProjectionHead.load(engine.tf, headDir);
    const withHead = await openFacePipeline(loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' }, embedder: { head: headDir } } }));
    try {
      expect(withHead.modelId).toBe(`${engine.modelId}+${meta.id}`);
      const photo = chosen[0]!.path;
      const plain = (await engine.analyze(photo)).faces.find((f) => f.embedding)!.embedding!;
      const projected = (await withHead.analyze(photo)).faces.find((f) => f.embedding)!.embedding!;
      const expected = (await head.project([plain]))[0]!;
      expect(projected.length).toBe(128);
      projected.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
      expect(Math.hypot(...projected)).toBeCloseTo(1, 5);
      expect(Math.max(...projected.map((v, i) => Math.abs(v - plain[i]!)))).toBeGreaterThan(1e-4); // the head did something
    } finally {
      withHead.close();
      head.dispose();
    }
  });
});
