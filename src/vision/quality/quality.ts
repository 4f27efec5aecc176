import type { QualityConfig } from '../../config/schema.js';
import type { Point } from '../align/similarity.js';
import type { FaceQuality } from '../types.js';

/** Variance of the 4-neighbour Laplacian of the grey chip: a standard focus measure. */
export function laplacianVariance(rgb: Float32Array, size: number): number {
  const grey = new Float32Array(size * size);
  for (let i = 0; i < size * size; i++) grey[i] = 0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!;
  let sum = 0, sumSq = 0, n = 0;
  for (let r = 1; r < size - 1; r++) {
    for (let c = 1; c < size - 1; c++) {
      const i = r * size + c;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - size]! + grey[i + size]! - 4 * grey[i]!;
      sum += l; sumSq += l * l; n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
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

export function assessQuality(size: number, sharpness: number, yaw: number, gate: QualityConfig): FaceQuality {
  const reasons: string[] = [];
  if (size < gate.minFaceSize) reasons.push('too_small');
  if (sharpness < gate.minSharpness) reasons.push('too_blurry');
  if (Math.abs(yaw) > gate.maxYaw) reasons.push('too_turned');
  return { size: Math.round(size), sharpness: Math.round(sharpness * 10) / 10, yaw: Math.round(yaw * 10) / 10, passed: reasons.length === 0, reasons };
}
