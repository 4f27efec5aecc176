import { describe, expect, it } from 'vitest';
import { applySimilarity, dlibChipPoints, dlibLandmarkIndices, extractChip, fitSimilarity, flipChip } from '../../src/vision/align/index.js';
import { estimateYaw, laplacianVariance, assessQuality } from '../../src/vision/quality/quality.js';
import { nms, iou, clipBox } from '../../src/vision/types.js';
import { cosineDistance, l2normalize, meanEmbedding } from '../../src/vision/embed/embedder.js';

describe('similarity transform', () => {
  it('recovers a known rotation + scale + shift exactly', () => {
    const truth = { a: 1.8 * Math.cos(0.3), b: 1.8 * Math.sin(0.3), tx: 40, ty: -12 };
    const from = [[0, 0], [10, 0], [3, 7], [8, 9]] as [number, number][];
    const to = from.map((p) => applySimilarity(truth, p));
    const t = fitSimilarity(from, to);
    expect(t.a).toBeCloseTo(truth.a, 9);
    expect(t.b).toBeCloseTo(truth.b, 9);
    expect(t.tx).toBeCloseTo(40, 9);
    expect(t.ty).toBeCloseTo(-12, 9);
  });

  it('uses dlib\'s 33 landmarks, and the 150/0.25 template centres the face', () => {
    expect(dlibLandmarkIndices).toHaveLength(33);
    expect(dlibLandmarkIndices).not.toContain(20);
    expect(dlibLandmarkIndices).not.toContain(57);
    const pts = dlibChipPoints(150, 0.25);
    const cx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    expect(cx).toBeGreaterThan(65);
    expect(cx).toBeLessThan(85);
  });

  it('extractChip samples the original image through the transform (bilinear, identity case)', () => {
    const w = 8, h = 8, data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x * 10, y * 10, 7], (y * w + x) * 3);
    const pts: [number, number][] = [[1, 1], [5, 1], [3, 4]];
    const chip = extractChip({ data, width: w, height: h }, pts.map(([x, y]) => [x + 0.5, y + 2] as [number, number]), pts, 4);
    // chip (0,0) maps to image (0.5, 2): R = 5, G = 20
    expect(chip.data[0]).toBeCloseTo(5, 5);
    expect(chip.data[1]).toBeCloseTo(20, 5);
    const flipped = flipChip(chip);
    expect(flipped.data[0]).toBeCloseTo(chip.data[3 * 3]!, 5);
  });
});

describe('quality', () => {
  it('a flat chip has zero sharpness, a checkerboard a high one', () => {
    const size = 10;
    expect(laplacianVariance(new Float32Array(size * size * 3).fill(100), size)).toBe(0);
    const board = new Float32Array(size * size * 3);
    for (let i = 0; i < size * size; i++) board.fill(((i % size) + Math.floor(i / size)) % 2 ? 255 : 0, i * 3, i * 3 + 3);
    expect(laplacianVariance(board, size)).toBeGreaterThan(1000);
  });

  it('yaw is 0 with the nose centred and grows as it moves to one side', () => {
    const l = Array.from({ length: 68 }, () => [0, 0] as [number, number]);
    l[0] = [0, 50]; l[16] = [100, 50]; l[30] = [50, 70];
    expect(estimateYaw(l)).toBeCloseTo(0, 5);
    l[30] = [75, 70];
    expect(estimateYaw(l)).toBeCloseTo(30, 5);
    l[30] = [10, 70];
    expect(estimateYaw(l)).toBeLessThan(-50);
  });

  it('the gate lists every reason', () => {
    const q = assessQuality(10, 1, 80, { minFaceSize: 40, minSharpness: 15, maxYaw: 65 });
    expect(q.passed).toBe(false);
    expect(q.reasons).toEqual(['too_small', 'too_blurry', 'too_turned']);
    expect(assessQuality(100, 50, 10, { minFaceSize: 40, minSharpness: 15, maxYaw: 65 }).passed).toBe(true);
  });
});

describe('boxes and vectors', () => {
  it('nms keeps the best of overlapping boxes and all separate ones', () => {
    const kept = nms([
      { score: 0.8, box: { x: 0, y: 0, width: 10, height: 10 } },
      { score: 0.9, box: { x: 1, y: 1, width: 10, height: 10 } },
      { score: 0.7, box: { x: 50, y: 50, width: 10, height: 10 } },
    ], 0.4);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(1 / 3, 6);
    expect(clipBox({ x: -5, y: -5, width: 10, height: 10 }, 100, 100)).toEqual({ x: 0, y: 0, width: 5, height: 5 });
    expect(clipBox({ x: 200, y: 0, width: 10, height: 10 }, 100, 100)).toBeNull();
  });

  it('cosine distance and flip mean on normalised vectors', () => {
    const a = l2normalize(Float32Array.from([3, 4]));
    expect(a[0]).toBeCloseTo(0.6, 6);
    expect(cosineDistance(a, a)).toBeCloseTo(0, 6);
    expect(cosineDistance([1, 0], [0, 1])).toBeCloseTo(1, 6);
    expect(cosineDistance([1, 0], [-1, 0])).toBeCloseTo(2, 6);
    const m = meanEmbedding(Float32Array.from([1, 0]), Float32Array.from([0, 1]));
    expect(m[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });
});
