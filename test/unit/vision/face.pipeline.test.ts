import { describe, expect, it } from 'vitest';
import { meanEmbedding } from '../../../src/common/vectors.js';
import { extractChip } from '../../../src/vision/align/index.js';
import { jitterChips } from '../../../src/vision/face.pipeline.js';

/** A 64x64 gradient image and a square of points: the chip is the image's centre. */
const w = 64, h = 64;
const data = new Uint8Array(w * h * 3);
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { data[(y * w + x) * 3] = x * 4; data[(y * w + x) * 3 + 1] = y * 4; data[(y * w + x) * 3 + 2] = 128; }
const image = { data, width: w, height: h };
const imagePoints = [[16, 16], [48, 16], [48, 48], [16, 48]] as [number, number][];
const chipPoints = [[0, 0], [32, 0], [32, 32], [0, 32]] as [number, number][];

describe('enrollment jitter', () => {
  it('gives n chips of the face, each a little different from the plain chip, the same every time', () => {
    const plain = extractChip(image, imagePoints, chipPoints, 32);
    const a = jitterChips(image, imagePoints, chipPoints, 32, 4);
    const b = jitterChips(image, imagePoints, chipPoints, 32, 4);
    expect(a).toHaveLength(4);
    for (let k = 0; k < 4; k++) {
      expect(Array.from(a[k]!.data)).toEqual(Array.from(b[k]!.data));
      let diff = 0;
      for (let i = 0; i < plain.data.length; i++) diff += Math.abs(a[k]!.data[i]! - plain.data[i]!);
      const mean = diff / plain.data.length;
      // moved by a few pixels at most on a 4-levels-per-pixel gradient: small but not zero
      expect(mean).toBeGreaterThan(0.05);
      expect(mean).toBeLessThan(12);
    }
    expect(jitterChips(image, imagePoints, chipPoints, 32, 0)).toEqual([]);
  });

  it('meanEmbedding averages any number of vectors and normalises', () => {
    const m = meanEmbedding(Float32Array.from([1, 0]), Float32Array.from([0, 1]), Float32Array.from([1, 1]));
    expect(m[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(m[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });
});
