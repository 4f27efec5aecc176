import { describe, expect, it } from 'vitest';
import { applySimilarity, dlibChipPoints, dlibLandmarkIndices, extractChip, fitSimilarity, flipChip } from '../../src/vision/align/index.js';
import { estimateYaw, laplacianVariance, assessQuality, faceSharpness, areaResize } from '../../src/vision/quality/quality.js';
import { nms, iou, clipBox } from '../../src/vision/types.js';
import { cosineDistance, l2normalize, meanEmbedding } from '../../src/vision/embed/embedder.js';
import { reframeChip } from '../../src/vision/embed/faceres.embedder.js';

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

  // A face-like texture (broad spectrum, amplitude ~ 1/frequency) as a camera sees it at `res`
  // pixels (area-averaged), upsampled bilinearly to the 150 px chip the way the aligner does.
  const waves = Array.from({ length: 40 }, (_, i) => ({ k: 2 + i, a: 60 / (2 + i), th: i * 2.399, ph: i * 1.7 }));
  const texture = (x: number, y: number) => 128 + waves.reduce((s, w) => s + w.a * Math.sin((2 * Math.PI * w.k * (x * Math.cos(w.th) + y * Math.sin(w.th))) / 150 + w.ph), 0);
  const chipAt = (res: number): Float32Array => {
    const small = new Float32Array(res * res);
    for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) {
      let acc = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) acc += texture(((c + (j + 0.5) / 3) * 150) / res, ((r + (i + 0.5) / 3) * 150) / res);
      small[r * res + c] = acc / 9;
    }
    const out = new Float32Array(150 * 150 * 3);
    for (let r = 0; r < 150; r++) for (let c = 0; c < 150; c++) {
      const x = Math.min(res - 1, Math.max(0, ((c + 0.5) * res) / 150 - 0.5)), y = Math.min(res - 1, Math.max(0, ((r + 0.5) * res) / 150 - 0.5));
      const x0 = Math.floor(x), y0 = Math.floor(y), x1 = Math.min(res - 1, x0 + 1), y1 = Math.min(res - 1, y0 + 1), fx = x - x0, fy = y - y0;
      const v = (1 - fy) * ((1 - fx) * small[y0 * res + x0]! + fx * small[y0 * res + x1]!) + fy * ((1 - fx) * small[y1 * res + x0]! + fx * small[y1 * res + x1]!);
      out.fill(v, (r * 150 + c) * 3, (r * 150 + c) * 3 + 3);
    }
    return out;
  };

  it('the gate\'s sharpness is measured at a fixed 64 px scale: a low-resolution face loses less of it than of the full-chip Laplacian', () => {
    expect(faceSharpness(new Float32Array(150 * 150 * 3).fill(90), 150)).toBe(0);
    const full = chipAt(150), half = chipAt(75), tiny = chipAt(30);
    expect(faceSharpness(full, 150)).toBeGreaterThan(faceSharpness(half, 150));
    expect(faceSharpness(half, 150)).toBeGreaterThan(faceSharpness(tiny, 150));
    // the 150 px Laplacian measures detail a 75 px face cannot have at all
    expect(faceSharpness(half, 150) / faceSharpness(full, 150)).toBeGreaterThan(1.3 * (laplacianVariance(half, 150) / laplacianVariance(full, 150)));
  });

  it('the gate\'s sharpness ignores the padding around the face (background, black outside the image)', () => {
    const chip = chipAt(150), before = faceSharpness(chip, 150);
    for (let r = 0; r < 150; r++) for (let c = 0; c < 150; c++) {
      // dlib's 0.25 padding is the outer 25 px; the 64 px Laplacian's support reaches ~2 px into it
      if (r >= 22 && r < 128 && c >= 22 && c < 128) continue;
      chip.fill((r + c) % 2 ? 255 : 0, (r * 150 + c) * 3, (r * 150 + c) * 3 + 3);
    }
    expect(faceSharpness(chip, 150)).toBeCloseTo(before, 6);
  });

  it('area resize keeps the mean and averages exactly', () => {
    const g = Float32Array.from({ length: 9 }, (_, i) => i);
    const r = areaResize(g, 3, 1);
    expect(r[0]).toBeCloseTo(4, 6);
    const two = areaResize(Float32Array.from([0, 0, 0, 0, 0, 0, 9, 9, 9]), 3, 2);
    expect(Array.from(two)).toEqual([0, 0, expect.closeTo(6, 6), expect.closeTo(6, 6)]);
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

describe('reframeChip (the fused embedder\'s second chip)', () => {
  // a textured 300x300 image and a face's 33 dlib points rotated, scaled and shifted into it
  const w = 300, h = 300, data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const o = (y * w + x) * 3; data[o] = (x * 7 + y * 3) % 256; data[o + 1] = (x * y) % 256; data[o + 2] = (x ^ y) % 256; }
  const image = { data, width: w, height: h };
  const t = { a: 0.9 * Math.cos(0.2), b: 0.9 * Math.sin(0.2), tx: 70, ty: 50 };
  const imagePoints = dlibChipPoints(150, 0.25).map((p) => applySimilarity(t, p));

  it('cuts the same chip as aligning the other framing directly, mirrored too', () => {
    const small = extractChip(image, imagePoints, dlibChipPoints(150, 0.25), 150);
    const direct = extractChip(image, imagePoints, dlibChipPoints(224, 0.5), 224);
    const re = reframeChip(small, { size: 150, padding: 0.25 }, { size: 224, padding: 0.5 });
    expect(re.size).toBe(224);
    let maxDiff = 0;
    for (let i = 0; i < re.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(re.data[i]! - direct.data[i]!));
    expect(maxDiff).toBeLessThan(0.5);
    const mirrored = reframeChip(flipChip(small), { size: 150, padding: 0.25 }, { size: 224, padding: 0.5 });
    const directMirrored = flipChip(direct);
    maxDiff = 0;
    for (let i = 0; i < mirrored.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mirrored.data[i]! - directMirrored.data[i]!));
    expect(maxDiff).toBeLessThan(0.5);
  });

  it('needs the source image', () => {
    const { source: _dropped, ...bare } = extractChip(image, imagePoints, dlibChipPoints(150, 0.25), 150);
    expect(() => reframeChip(bare, { size: 150, padding: 0.25 }, { size: 224, padding: 0.5 })).toThrow(/source/);
  });
});
