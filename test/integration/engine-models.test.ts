import { afterAll, describe, expect, it } from 'vitest';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { cosineDistance, fusionWeights } from '../../src/vision/embed/index.js';
import { FaceStreamError } from '../../src/errors/index.js';
import { dataPath } from '../helpers/data.js';
import { faceApiModelDir } from '../../src/engine/models.js';
import { createTestEngine } from '../helpers/engine.js';

const engines: FacePipeline[] = [];
const make = async (o: Record<string, unknown>) => { const e = await createTestEngine(o); engines.push(e); return e; };
afterAll(() => { for (const e of engines) e.close(); });

const obamaA = dataPath('people/gallery/obama/obama.jpg');
const obamaB = dataPath('people/gallery/obama/obama2.jpg');
const biden = dataPath('people/gallery/biden/biden.jpg');

describe('selectable models', () => {
  it('resnet34 (fused convolutions) gives face-api\'s own embeddings of the same chips, batched or not, and frees its tensors', async () => {
    const e = await make({});
    const r = await e.analyze(dataPath('people/scenes/bbt1.jpg'), { embed: false, keepChips: true });
    const chips = r.faces.map((f) => f.chip!).filter(Boolean);
    expect(chips.length).toBeGreaterThanOrEqual(4);
    // face-api's own network and forward pass on the same weights (the embedder keeps only its folded copy)
    const net = new e.backend.faceapi.FaceRecognitionNet();
    await net.loadFromDisk(faceApiModelDir());
    const tensors = chips.map((c) => e.tf.tensor3d(c.data, [c.size, c.size, 3], 'float32'));
    const faceApi = (await net.computeFaceDescriptor(tensors) as Float32Array[]).map((v) => { const n = Math.hypot(...v); return v.map((x) => x / n); });
    for (const t of tensors) t.dispose();
    net.dispose();
    const before = e.tf.memory().numTensors;
    const batched = await e.embedChips(chips, false);
    const single = [];
    for (const c of chips) single.push(...await e.embedChips([c], false));
    expect(e.tf.memory().numTensors).toBe(before);
    for (const [i, v] of faceApi.entries()) {
      expect(cosineDistance(batched[i]!, v)).toBeLessThan(1e-6);
      expect(cosineDistance(single[i]!, v)).toBeLessThan(1e-6);
      expect(Math.max(...v.map((x, k) => Math.abs(x - batched[i]![k]!)))).toBeLessThan(1e-5);
    }
    // different people stay apart: the check above is not comparing a constant
    expect(cosineDistance(batched[0]!, batched[1]!)).toBeGreaterThan(0.05);
  });

  it('mobileface: 256-d unit vectors; same person closer than different people', async () => {
    const e = await make({ embedder: { model: 'mobileface' } });
    expect(e.dim).toBe(256);
    expect(e.modelId).toMatch(/mobileface/);
    const a = await e.primaryFace(obamaA, 'a'), b = await e.primaryFace(obamaB, 'b'), c = await e.primaryFace(biden, 'c');
    expect(a.embedding).toHaveLength(256);
    expect(Math.hypot(...a.embedding!)).toBeCloseTo(1, 4);
    expect(cosineDistance(a.embedding!, b.embedding!)).toBeLessThan(cosineDistance(a.embedding!, c.embedding!));
  });

  it('faceres: 1024-d centred unit vectors; same person closer than different people, on the bbt crops too', async () => {
    const e = await make({ embedder: { model: 'faceres' } });
    expect(e.dim).toBe(1024);
    expect(e.modelId).toMatch(/faceres/);
    const a = await e.primaryFace(obamaA, 'a'), b = await e.primaryFace(obamaB, 'b'), c = await e.primaryFace(biden, 'c');
    expect(Math.hypot(...a.embedding!)).toBeCloseTo(1, 4);
    expect(cosineDistance(a.embedding!, b.embedding!)).toBeLessThan(cosineDistance(a.embedding!, c.embedding!));
    expect((await e.verify(obamaA, obamaB)).same).toBe(true);
    expect((await e.verify(obamaA, biden)).same).toBe(false);
    const crop = (who: string, i: number) => dataPath(`people/bbt/${who}/${who}${i}.png`);
    const sheldon = [await e.primaryFace(crop('sheldon', 1), 's1'), await e.primaryFace(crop('sheldon', 2), 's2')];
    const raj = await e.primaryFace(crop('raj', 1), 'r1');
    expect(cosineDistance(sheldon[0]!.embedding!, sheldon[1]!.embedding!)).toBeLessThan(cosineDistance(sheldon[0]!.embedding!, raj.embedding!));
  });

  it('resnet34+faceres: one embedding whose cosine is the weighted mean of the members\' cosines', async () => {
    const fused = await make({ embedder: { model: 'resnet34+faceres', photoFlip: false } });
    const resnet = await make({ embedder: { photoFlip: false } });
    const faceres = await make({ embedder: { model: 'faceres', photoFlip: false } });
    expect(fused.dim).toBe(128 + 1024);
    const cos = (x: Float32Array, y: Float32Array) => 1 - cosineDistance(x, y);
    const pair = async (e: FacePipeline) => [(await e.primaryFace(obamaA, 'a')).embedding!, (await e.primaryFace(biden, 'c')).embedding!] as const;
    const [fa, fc] = await pair(fused), [ra, rc] = await pair(resnet), [ha, hc] = await pair(faceres);
    const [w1, w2] = fusionWeights;
    // the faceres half of the fused embedding comes from a chip re-cut out of the same photo
    expect(cos(fa, fc)).toBeCloseTo((w1 * cos(ra, rc) + w2 * cos(ha, hc)) / (w1 + w2), 3);
    expect((await fused.verify(obamaA, obamaB)).same).toBe(true);
    expect((await fused.verify(obamaA, biden)).same).toBe(false);
  });

  it('tiny detector + tiny landmarks find the faces of a simple photo', async () => {
    const e = await make({ detector: { model: 'tiny' }, landmarks: { model: 'tiny' } });
    const r = await e.analyze(dataPath('people/probes/two_people.jpg'));
    expect(r.faces).toHaveLength(2);
    expect(r.faces.every((f) => f.embedding)).toBe(true);
  });

  it('flip augmentation changes the embedding slightly and keeps the verdicts; photos get it by default (photoFlip)', async () => {
    const plain = await make({ embedder: { photoFlip: false } });
    const flip = await make({ embedder: { flip: true } });
    const byDefault = await make({});
    expect(cosineDistance((await byDefault.primaryFace(obamaA, 'a')).embedding!, (await flip.primaryFace(obamaA, 'a')).embedding!)).toBeLessThan(1e-6);
    // live frames (analyze) stay un-flipped unless embedder.flip
    expect(cosineDistance((await byDefault.analyze(obamaA)).faces[0]!.embedding!, (await plain.analyze(obamaA)).faces[0]!.embedding!)).toBeLessThan(1e-6);
    const p = await plain.primaryFace(obamaA, 'a');
    const f = await flip.primaryFace(obamaA, 'a');
    const d = cosineDistance(p.embedding!, f.embedding!);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(0.05);
    expect((await flip.verify(obamaA, obamaB)).same).toBe(true);
    expect((await flip.verify(obamaA, biden)).same).toBe(false);
  });

  it('enrollment jitter: jittered chips averaged in move the embedding slightly, deterministically', async () => {
    const e = await make({});
    const plain = (await e.analyzePhoto(obamaA)).faces[0]!.embedding!;
    const j1 = (await e.analyzePhoto(obamaA, { jitter: 4 })).faces[0]!.embedding!;
    const j2 = (await e.analyzePhoto(obamaA, { jitter: 4 })).faces[0]!.embedding!;
    expect(cosineDistance(j1, j2)).toBeLessThan(1e-6);
    expect(cosineDistance(plain, j1)).toBeGreaterThan(0);
    expect(cosineDistance(plain, j1)).toBeLessThan(0.02);
  });

  it('the quality gate reports small faces without embedding them', async () => {
    const e = await make({ quality: { minFaceSize: 4000 } });
    const r = await e.analyze(obamaA);
    expect(r.faces).toHaveLength(1);
    expect(r.faces[0]!.quality.passed).toBe(false);
    expect(r.faces[0]!.quality.reasons).toContain('too_small');
    expect(r.faces[0]!.embedding).toBeUndefined();
    await expect(e.primaryFace(obamaA, 'x')).rejects.toMatchObject({ code: 'E_FACE_REJECTED' });
  });

  it('a missing model folder is a clear startup error', async () => {
    const err = await createTestEngine({ engine: { faceApiModelDir: '/nonexistent/models' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FaceStreamError);
    expect((err as FaceStreamError).code).toBe('E_MODEL_MISSING');
    expect((err as FaceStreamError).message).toMatch(/\/nonexistent\/models\/.*manifest\.json/);
  });

  it('asking for the tensorflow backend without tfjs-node installed is a clear error', async () => {
    const err = await createTestEngine({ engine: { backend: 'tensorflow' } }).catch((e: unknown) => e);
    expect((err as FaceStreamError).code).toBe('E_BACKEND');
    expect((err as FaceStreamError).message).toMatch(/needs @tensorflow\/tfjs-node/);
  });
});
