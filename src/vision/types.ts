import type { Box } from '../common/geometry.js';
import type { Point } from './align/similarity.js';

export type { Box };
export { clipBox, iou, nms } from '../common/geometry.js';

/** A detector hit, in original-image pixel coordinates. */
export interface Detection { box: Box; score: number }

/** The five points every consumer gets: eyes (image left, image right), nose tip, mouth corners. */
export interface FivePoints {
  leftEye: Point; rightEye: Point; nose: Point; mouthLeft: Point; mouthRight: Point;
}

export interface FaceQuality {
  /** Shorter side of the box in original pixels. */
  size: number;
  /** Variance of the Laplacian of the aligned grey chip at a fixed 64 px scale, face region (higher = sharper; see faceSharpness). */
  sharpness: number;
  /** Estimated head yaw in degrees (0 = frontal; sign: + turned toward image right). */
  yaw: number;
  /** Passed the configured quality gate (and was therefore embedded). */
  passed: boolean;
  /** Why it did not pass: too_small | too_blurry | too_turned. */
  reasons: string[];
}
