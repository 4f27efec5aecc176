import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorSchema, type DetectorConfig } from '../../src/config/schema.js';
import { loadBackend } from '../../src/engine/backend.js';
import { faceApiModelDir, humanModelDir, loadGraphModelFromDisk } from '../../src/engine/models.js';
import type { FaceApi, TF, Tensor, Tensor3D } from '../../src/engine/tf.js';
import { FaceApiFaceDetector, loadDetector, SsdMobilenetDetector, TinyYoloFaceDetector, type FaceDetector } from '../../src/vision/detect/index.js';
import { Landmark68Model } from '../../src/vision/landmarks/landmark68.model.js';
import type { Detection } from '../../src/vision/types.js';
import { dataPath } from '../helpers/data.js';

/**
 * Issue 15, item 1: our post-processing of face-api's detector (and landmark) networks reads tensors
 * only through awaited data(). On wasm it must find the same faces as face-api's own calls; on the
 * cpu backend it must run with Tensor.prototype.dataSync/arraySync/bufferSync throwing.
 */

let tf: TF;
let faceapi: FaceApi;
const modelDir = faceApiModelDir();
const dirs = { faceApi: modelDir, human: humanModelDir() };

interface Img { label: string; tensor: Tensor3D }
const images: Img[] = [];

async function loadImage(path: string, padFraction = 0): Promise<Tensor3D> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
  if (padFraction === 0) return t;
  // like the engine: zero border so tight crops are detectable
  const pad = Math.round(Math.max(info.width, info.height) * padFraction);
  const padded = tf.pad(t, [[pad, pad], [pad, pad], [0, 0]]);
  t.dispose();
  return padded as Tensor3D;
}

/** A representative set: every scene, a two-person probe, bbt crops and LFW photos (raw and padded). */
async function loadImages(): Promise<void> {
  for (const f of ['bbt1.jpg', 'bbt2.jpg', 'bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg', 'longoria-cooper.jpg', 'multiface.jpg']) {
    images.push({ label: `scenes/${f}`, tensor: await loadImage(dataPath('people/scenes', f)) });
  }
  images.push({ label: 'probes/two_people.jpg', tensor: await loadImage(dataPath('people/probes/two_people.jpg')) });
  for (const p of ['amy/amy1.png', 'raj/raj2.png', 'sheldon/sheldon3.png']) {
    images.push({ label: `bbt/${p}`, tensor: await loadImage(dataPath('people/bbt', p)) });
    images.push({ label: `bbt/${p} +30%`, tensor: await loadImage(dataPath('people/bbt', p), 0.3) });
  }
  const people = readdirSync(dataPath('lfw-view1/images')).sort();
  for (const person of [people[0]!, people[1000]!, people[2000]!, people[3000]!]) {
    const file = readdirSync(dataPath('lfw-view1/images', person)).sort()[0]!;
    images.push({ label: `lfw/${file}`, tensor: await loadImage(dataPath('lfw-view1/images', person, file)) });
    images.push({ label: `lfw/${file} +30%`, tensor: await loadImage(dataPath('lfw-view1/images', person, file), 0.3) });
  }
}

const cfg = (o: Partial<DetectorConfig>): DetectorConfig => detectorSchema.parse(o);

/** Pairwise difference of two best-first detection lists (same length): largest box coordinate/size gap in px, largest score gap. */
function difference(a: Detection[], b: Detection[]): { px: number; score: number } {
  let px = 0, score = 0;
  a.forEach((d, i) => {
    const e = b[i]!;
    px = Math.max(px, Math.abs(d.box.x - e.box.x), Math.abs(d.box.y - e.box.y), Math.abs(d.box.width - e.box.width), Math.abs(d.box.height - e.box.height));
    score = Math.max(score, Math.abs(d.score - e.score));
  });
  return { px, score };
}

beforeAll(async () => {
  ({ tf, faceapi } = await loadBackend('wasm'));
  await loadImages();
});

afterAll(() => {
  for (const i of images) i.tensor.dispose();
});

// the default threshold on every image; a low one (many more NMS candidates) on the scenes
describe.each([
  { model: 'ssd' as const, scoreThreshold: 0.4, set: 'all' },
  { model: 'ssd' as const, scoreThreshold: 0.1, set: 'scenes' },
  { model: 'tiny' as const, scoreThreshold: 0.4, set: 'all' },
  { model: 'tiny' as const, scoreThreshold: 0.1, set: 'scenes' },
])('$model (score > $scoreThreshold, $set) on wasm: same faces as face-api', ({ model, scoreThreshold, set }) => {
  let oldDet: FaceDetector, newDet: FaceDetector;
  const summary = { images: 0, facesOld: 0, facesNew: 0, maxPx: 0, maxScore: 0 };

  beforeAll(async () => {
    const c = cfg({ model, scoreThreshold });
    oldDet = await FaceApiFaceDetector.load(faceapi, modelDir, c);
    newDet = await loadDetector(faceapi, dirs, c);
    expect(newDet).toBeInstanceOf(model === 'ssd' ? SsdMobilenetDetector : TinyYoloFaceDetector);
  });

  afterAll(() => {
    oldDet?.dispose();
    newDet?.dispose();
    console.log(`[detect-async] ${model} score>${scoreThreshold}: ${summary.images} images, faces old ${summary.facesOld} / new ${summary.facesNew}, max box difference ${summary.maxPx.toExponential(2)} px, max score difference ${summary.maxScore.toExponential(2)}`);
  });

  it('gives the same boxes (within 1 px), scores and count on every image', async () => {
    const chosen = set === 'all' ? images : images.filter((i) => /^(scenes|probes)\//.test(i.label));
    expect(chosen.length).toBeGreaterThanOrEqual(set === 'all' ? 20 : 8);
    for (const { label, tensor } of chosen) {
      const before = await oldDet.detect(tensor);
      const after = await newDet.detect(tensor);
      expect(after.length, label).toBe(before.length);
      const d = difference(before, after);
      expect(d.px, label).toBeLessThan(1);
      expect(d.score, label).toBeLessThan(1e-6);
      summary.images++;
      summary.facesOld += before.length;
      summary.facesNew += after.length;
      summary.maxPx = Math.max(summary.maxPx, d.px);
      summary.maxScore = Math.max(summary.maxScore, d.score);
    }
    // the set is not trivial: faces are found, on scenes several per image
    expect(summary.facesNew).toBeGreaterThan(chosen.length);
  });
});

describe('landmarks on wasm: same points as face-api', () => {
  it.each(['full', 'tiny'] as const)('%s', async (kind) => {
    const model = await Landmark68Model.load(faceapi, modelDir, kind);
    const reference = new (kind === 'full' ? faceapi.FaceLandmark68Net : faceapi.FaceLandmark68TinyNet)();
    await reference.loadFromDisk(modelDir);
    const det = await SsdMobilenetDetector.load(faceapi, modelDir, cfg({}));
    try {
      const scene = images.find((i) => i.label === 'scenes/bbt4.jpg')!.tensor;
      const faces = await det.detect(scene);
      expect(faces.length).toBeGreaterThanOrEqual(5);
      const crops = faces.map(({ box: b }) => {
        const x = Math.max(0, Math.floor(b.x)), y = Math.max(0, Math.floor(b.y));
        return tf.slice(scene, [y, x, 0], [Math.min(scene.shape[0] - y, Math.round(b.height)), Math.min(scene.shape[1] - x, Math.round(b.width)), 3]) as Tensor3D;
      });
      try {
        const ours = await model.detect(crops);
        const ref = await reference.detectLandmarks(crops);
        const theirs = (Array.isArray(ref) ? ref : [ref]).map((l) => l.positions.map((p) => [p.x, p.y]));
        expect(ours).toHaveLength(crops.length);
        let max = 0;
        ours.forEach((pts, f) => pts.forEach(([x, y], i) => {
          max = Math.max(max, Math.abs(x - theirs[f]![i]![0]!), Math.abs(y - theirs[f]![i]![1]!));
        }));
        console.log(`[detect-async] landmarks ${kind}: ${crops.length} crops, max point difference ${max.toExponential(2)} px`);
        expect(max).toBeLessThan(1e-3);
        // a single crop works too
        expect(await model.detect([crops[0]!])).toEqual([ours[0]]);
        expect(await model.detect([])).toEqual([]);

        // from the RGB bytes without tensor slices (the pipeline's path), rectangles past the edges
        // included: the points detect() finds on slices of the image padded with zeros
        const [h, w] = scene.shape;
        const rgb = { width: w, height: h, data: Uint8Array.from(await scene.data()) };
        const rects = [...faces.map(({ box: b }) => ({ x: Math.floor(b.x), y: Math.floor(b.y), width: Math.round(b.width), height: Math.round(b.height) })),
          { x: -20, y: -10, width: 70, height: 81 }, { x: w - 50, y: h - 40, width: 81, height: 70 }];
        const pad = 100;
        const padded = tf.pad(scene, [[pad, pad], [pad, pad], [0, 0]]) as Tensor3D;
        const slices = rects.map((r) => tf.slice(padded, [r.y + pad, r.x + pad, 0], [r.height, r.width, 3]) as Tensor3D);
        try {
          const fromSlices = (await model.detect(slices)).map((pts, f) => pts.map(([x, y]) => [x + rects[f]!.x, y + rects[f]!.y]));
          const fromBytes = await model.detectInImages(rects.map((rect) => ({ image: rgb, rect })));
          let maxBytes = 0;
          fromBytes.forEach((pts, f) => pts.forEach(([x, y], i) => {
            maxBytes = Math.max(maxBytes, Math.abs(x - fromSlices[f]![i]![0]!), Math.abs(y - fromSlices[f]![i]![1]!));
          }));
          expect(fromBytes).toHaveLength(rects.length);
          expect(maxBytes).toBeLessThan(1e-3);
          expect(await model.detectInImages([])).toEqual([]);
        } finally {
          for (const t of [padded, ...slices]) t.dispose();
        }
      } finally {
        for (const c of crops) c.dispose();
      }
    } finally {
      model.dispose();
      reference.dispose();
      det.dispose();
    }
  });
});

describe('faceboxes on wasm: same faces as the whole graph (its own anchor decoding and NMS loop)', () => {
  it('finds every face the graph reports at score >= 0.4, box and score identical, and no other', async () => {
    const graph = await loadGraphModelFromDisk(tf, humanModelDir(), 'faceboxes');
    const det = await loadDetector(faceapi, dirs, cfg({ model: 'faceboxes', maxSide: 4096, scoreThreshold: 0.4 }));
    let faces = 0;
    try {
      for (const { label, tensor } of images) {
        const batch = tf.expandDims(tf.cast(tensor, 'int32'), 0);
        const out = (await graph.executeAsync(batch, ['boxes', 'scores', 'num_boxes'])) as Tensor[];
        const [b, s, c] = await Promise.all(out.map((t) => t.data()));
        for (const t of [batch, ...out]) t.dispose();
        const [h, w] = tensor.shape;
        const reference: Detection[] = [];
        for (let k = 0; k < c![0]!; k++) {
          if (s![k]! < 0.4) continue;
          reference.push({ score: s![k]!, box: { x: b![4 * k + 1]! * w, y: b![4 * k]! * h, width: (b![4 * k + 3]! - b![4 * k + 1]!) * w, height: (b![4 * k + 2]! - b![4 * k]!) * h } });
        }
        const found = await det.detect(tensor);
        expect(found.length, label).toBe(reference.length);
        const d = difference(reference, found);
        expect(d.px, label).toBeLessThan(0.01);
        expect(d.score, label).toBeLessThan(1e-6);
        faces += found.length;
      }
      expect(faces).toBeGreaterThan(images.length);
    } finally {
      graph.dispose();
      det.dispose();
    }
  });
});

describe('no tensor leaks on wasm', () => {
  it('tf.memory().numTensors is unchanged after many detector and landmark calls', async () => {
    const ssd = await loadDetector(faceapi, dirs, cfg({ model: 'ssd' }));
    const tiny = await loadDetector(faceapi, dirs, cfg({ model: 'tiny', inputSize: 320 }));
    const boxes = await loadDetector(faceapi, dirs, cfg({ model: 'faceboxes', maxSide: 480 }));
    const lm = await Landmark68Model.load(faceapi, modelDir, 'tiny');
    const scene = images.find((i) => i.label === 'scenes/bbt3.jpg')!.tensor;
    const crop = tf.slice(scene, [50, 50, 0], [120, 100, 3]) as Tensor3D;
    const rgb = { width: scene.shape[1], height: scene.shape[0], data: Uint8Array.from(await scene.data()) };
    try {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 15; i++) {
        await ssd.detect(scene);
        await tiny.detect(scene);
        await boxes.detectBatch([scene, scene, crop]);
        await lm.detect([crop, crop]);
        await lm.detectInImages([{ image: rgb, rect: { x: 50, y: 50, width: 100, height: 120 } }, { image: rgb, rect: { x: -5, y: 0, width: 60, height: 50 } }]);
      }
      // concurrent calls too
      await Promise.all([ssd.detect(scene), tiny.detect(scene), boxes.detect(scene), ssd.detect(scene), lm.detect([crop])]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      crop.dispose();
      ssd.dispose();
      tiny.dispose();
      boxes.dispose();
      lm.dispose();
    }
  });
});

describe('no synchronous tensor reads (cpu backend, dataSync/arraySync/bufferSync throw)', () => {
  const syncReads = ['dataSync', 'arraySync', 'bufferSync'] as const;
  let reference: Record<'ssd' | 'tiny' | 'faceboxes', Detection[]>;
  let scene: Tensor3D;

  /**
   * Run fn with the synchronous reads of every tensor replaced by a throwing function. With
   * `shapeValues`, reads of tensors of at most 8 values pass: TF.js graph models with dynamic
   * shapes read their shape arithmetic synchronously (tfjs-converter getParamValue); those are
   * small int tensors that GPU backends keep on, or forward to, the CPU. Image-sized data never.
   */
  async function withoutSyncReads<T>(fn: () => Promise<T>, shapeValues = false): Promise<T> {
    const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
    const saved = syncReads.map((k) => proto[k]);
    syncReads.forEach((k, i) => {
      proto[k] = function (this: { size: number }, ...a: unknown[]) {
        if (shapeValues && this.size <= 8) return (saved[i] as (...x: unknown[]) => unknown).apply(this, a);
        throw new Error(`synchronous tensor read: ${k}() of ${this.size} values`);
      };
    });
    try {
      return await fn();
    } finally {
      syncReads.forEach((k, i) => { proto[k] = saved[i]; });
    }
  }

  beforeAll(async () => {
    // reference results on wasm, then switch the process to the pure-JS cpu backend
    const sceneWasm = images.find((i) => i.label === 'scenes/longoria-cooper.jpg')!.tensor;
    reference = { ssd: [], tiny: [], faceboxes: [] };
    for (const model of ['ssd', 'tiny', 'faceboxes'] as const) {
      const d = await loadDetector(faceapi, dirs, cfg({ model }));
      reference[model] = await d.detect(sceneWasm);
      d.dispose();
    }
    const { data, info } = await sharp(dataPath('people/scenes/longoria-cooper.jpg')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(await tf.setBackend('cpu')).toBe(true);
    expect(tf.getBackend()).toBe('cpu');
    scene = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
  });

  afterAll(async () => {
    scene?.dispose();
    await tf.setBackend('wasm');
  });

  it('the patch works: face-api\'s own landmark call (dataSync) throws under it', async () => {
    const reference = new faceapi.FaceLandmark68TinyNet();
    await reference.loadFromDisk(modelDir);
    const crop = tf.slice(scene, [40, 40, 0], [150, 120, 3]) as Tensor3D;
    try {
      await expect(withoutSyncReads(() => reference.detectLandmarks([crop]))).rejects.toThrow(/synchronous tensor read: dataSync/);
    } finally {
      crop.dispose();
      reference.dispose();
    }
  });

  it.each(['ssd', 'tiny', 'faceboxes'] as const)('%s detector runs and finds the wasm faces', async (model) => {
    const det = await loadDetector(faceapi, dirs, cfg({ model }));
    try {
      const before = tf.memory().numTensors;
      const found = (await withoutSyncReads(() => det.detect(scene), model === 'faceboxes')).filter((d) => d.score >= 0.5);
      expect(tf.memory().numTensors).toBe(before);
      const expected = reference[model].filter((d) => d.score >= 0.5);
      expect(found.length).toBe(expected.length);
      expect(found.length).toBe(2);
      // cpu and wasm kernels round differently; the faces are the same
      expect(difference(expected, found).px).toBeLessThan(1);
    } finally {
      det.dispose();
    }
  });

  it('landmark nets run', async () => {
    const crop = tf.slice(scene, [40, 40, 0], [150, 120, 3]) as Tensor3D;
    try {
      for (const kind of ['tiny', 'full'] as const) {
        const lm = await Landmark68Model.load(faceapi, modelDir, kind);
        try {
          const pts = await withoutSyncReads(() => lm.detect([crop, crop]));
          expect(pts).toHaveLength(2);
          expect(pts[0]).toHaveLength(68);
          expect(pts[1]).toEqual(pts[0]);
        } finally {
          lm.dispose();
        }
      }
    } finally {
      crop.dispose();
    }
  });
});
