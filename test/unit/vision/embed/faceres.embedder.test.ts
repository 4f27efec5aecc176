import { describe, expect, it } from 'vitest';
import { applySimilarity, dlibChipPoints, extractChip, flipChip } from '../../../../src/vision/align/index.js';
import { reframeChip } from '../../../../src/vision/embed/faceres.embedder.js';

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
