import { describe, expect, it } from 'vitest';
import { estimateYaw, laplacianVariance, assessQuality, faceSharpness, areaResize } from '../../../../src/vision/quality/quality.js';

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
