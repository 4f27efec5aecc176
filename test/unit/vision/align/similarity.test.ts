import { describe, expect, it } from 'vitest';
import { applySimilarity, dlibChipPoints, dlibLandmarkIndices, extractChip, fitSimilarity, flipChip } from '../../../../src/vision/align/index.js';

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
