import type { QualityConfig } from '../../config/schema.js';
import type { Point } from '../align/similarity.js';
import type { FaceQuality } from '../types.js';

/** Grey (luma) of an RGB chip. */
function greyOf(rgb: Float32Array, size: number): Float32Array {
  const grey = new Float32Array(size * size);
  for (let i = 0; i < size * size; i++) grey[i] = 0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!;
  return grey;
}

/** Variance of the 4-neighbour Laplacian over rows/cols [from, to) of a grey image (border excluded). */
function laplacianVarianceOf(grey: Float32Array, size: number, from = 1, to = size - 1): number {
  let sum = 0, sumSq = 0, n = 0;
  for (let r = Math.max(1, from); r < Math.min(size - 1, to); r++) {
    for (let c = Math.max(1, from); c < Math.min(size - 1, to); c++) {
      const i = r * size + c;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - size]! + grey[i + size]! - 4 * grey[i]!;
      sum += l; sumSq += l * l; n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/** Variance of the 4-neighbour Laplacian of the grey chip: a standard focus measure. */
export function laplacianVariance(rgb: Float32Array, size: number): number {
  return laplacianVarianceOf(greyOf(rgb, size), size);
}

/** Area-average a square grey image from `size` to `out` px (exact fractional box filter). */
export function areaResize(grey: Float32Array, size: number, out: number): Float32Array {
  if (out === size) return grey;
  // 1-D weights: output pixel j covers input [j*f, (j+1)*f)
  const f = size / out;
  const spans: { i0: number; w: number[] }[] = [];
  for (let j = 0; j < out; j++) {
    const a = j * f, b = (j + 1) * f, i0 = Math.floor(a), w: number[] = [];
    for (let i = i0; i < Math.min(size, Math.ceil(b)); i++) w.push((Math.min(b, i + 1) - Math.max(a, i)) / f);
    spans.push({ i0, w });
  }
  const rows = new Float32Array(size * out);
  for (let r = 0; r < size; r++) {
    for (let j = 0; j < out; j++) {
      const { i0, w } = spans[j]!;
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k]! * grey[r * size + i0 + k]!;
      rows[r * out + j] = acc;
    }
  }
  const res = new Float32Array(out * out);
  for (let j = 0; j < out; j++) {
    const { i0, w } = spans[j]!;
    for (let c = 0; c < out; c++) {
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k]! * rows[(i0 + k) * out + c]!;
      res[j * out + c] = acc;
    }
  }
  return res;
}

export interface ChipSharpnessOptions {
  /** Side (px) the chip is area-averaged to before the Laplacian. */
  scale: number;
  /** Only the inner two thirds of the chip (the face, not the padding around it). */
  inner: boolean;
  /** Divide by the grey variance of the same region (contrast-independent). */
  normalise: boolean;
}

/** Laplacian variance of the chip at a fixed scale, optionally on the face region only and contrast-normalised. */
export function chipSharpness(rgb: Float32Array, size: number, options: ChipSharpnessOptions): number {
  const { scale, inner, normalise } = options;
  const grey = areaResize(greyOf(rgb, size), size, scale);
  const from = inner ? Math.round(scale / 6) : 1, to = inner ? Math.round((5 * scale) / 6) : scale - 1;
  const lap = laplacianVarianceOf(grey, scale, from, to);
  if (!normalise) return lap;
  let sum = 0, sumSq = 0, n = 0;
  for (let r = from; r < to; r++) for (let c = from; c < to; c++) { const v = grey[r * scale + c]!; sum += v; sumSq += v * v; n++; }
  const variance = n ? sumSq / n - (sum / n) ** 2 : 0;
  return variance > 1e-6 ? (100 * lap) / variance : 0;
}

/**
 * Yaw from 68 landmarks: how far the nose tip (30) sits from the midpoint of the face
 * outline at eye level (points 0 and 16), relative to half the face width; asin of that
 * ratio approximates the rotation of a round head. Good to ~10 degrees, enough for a gate.
 */
export function estimateYaw(landmarks68: readonly Point[]): number {
  const left = landmarks68[0]!, right = landmarks68[16]!, nose = landmarks68[30]!;
  const dx = right[0] - left[0], dy = right[1] - left[1];
  const width = Math.hypot(dx, dy);
  if (width === 0) return 90;
  // project the nose onto the left->right axis: 0 at left, 1 at right
  const t = ((nose[0] - left[0]) * dx + (nose[1] - left[1]) * dy) / (width * width);
  const ratio = Math.max(-1, Math.min(1, (t - 0.5) * 2));
  return (Math.asin(ratio) * 180) / Math.PI;
}

/**
 * The gate's sharpness measure: Laplacian variance of the chip area-averaged to 64 px, over the
 * face region only (the inner two thirds, i.e. dlib's landmark box without the 0.25 padding).
 * At a fixed scale it does not depend on the camera's resolution: a large face is averaged down,
 * a small one is upsampled by the aligner and scores low only if it lacks detail at that scale,
 * which is what the embedder needs. `npm run bench:quality` (bench/quality-gate.bench.ts) picked
 * it, and quality.minSharpness, from identification outcomes on degraded LFW faces.
 */
export function faceSharpness(rgb: Float32Array, size: number): number {
  return chipSharpness(rgb, size, { scale: 64, inner: true, normalise: false });
}

export function assessQuality(size: number, sharpness: number, yaw: number, gate: QualityConfig): FaceQuality {
  const reasons: string[] = [];
  if (size < gate.minFaceSize) reasons.push('too_small');
  if (sharpness < gate.minSharpness) reasons.push('too_blurry');
  if (Math.abs(yaw) > gate.maxYaw) reasons.push('too_turned');
  return { size: Math.round(size), sharpness: Math.round(sharpness * 10) / 10, yaw: Math.round(yaw * 10) / 10, passed: reasons.length === 0, reasons };
}
