import type * as tfjs from '@tensorflow/tfjs';
import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, FaceApiNet, Tensor3D } from '../../engine/tf.js';
import type { Point } from '../align/similarity.js';

/** face-api's landmark nets' forward pass: [batch, 136] of (x, y) pairs relative to each crop's width/height. */
interface LandmarkForwardNet extends FaceApiNet {
  forward(input: Tensor3D[]): Promise<tfjs.Tensor2D>;
}

/**
 * Landmark net output (flat [batch, 136], x/y interleaved, relative to each crop) to points in each
 * crop's own pixel coordinates, as face-api's FaceLandmarks68 computes them.
 */
export function landmarkPoints(out: ArrayLike<number>, crops: readonly { width: number; height: number }[]): Point[][] {
  if (out.length !== crops.length * 136) throw new Error(`landmark output has ${out.length} values, expected ${crops.length} x 136`);
  return crops.map(({ width, height }, b) => Array.from({ length: 68 }, (_, i) => [out[b * 136 + 2 * i]! * width, out[b * 136 + 2 * i + 1]! * height] as const));
}

/**
 * face-api's 68-point landmark nets (iBUG 300-W layout, the one dlib's alignment expects).
 * The output is read with an awaited data() (face-api's detectLandmarks uses dataSync(), which
 * webgpu in Node cannot do).
 */
export class Landmark68Model {
  private constructor(readonly name: 'full' | 'tiny', private readonly net: LandmarkForwardNet) {}

  static async load(faceapi: FaceApi, modelDir: string, kind: 'full' | 'tiny'): Promise<Landmark68Model> {
    const file = kind === 'tiny' ? 'face_landmark_68_tiny_model' : 'face_landmark_68_model';
    requireFaceApiModel(modelDir, file);
    const net = (kind === 'tiny' ? new faceapi.FaceLandmark68TinyNet() : new faceapi.FaceLandmark68Net()) as unknown as LandmarkForwardNet;
    await net.loadFromDisk(modelDir);
    return new Landmark68Model(kind, net);
  }

  /** 68 points per face crop, in each crop's own pixel coordinates. */
  async detect(crops: Tensor3D[]): Promise<Point[][]> {
    if (crops.length === 0) return [];
    const out = await this.net.forward(crops);
    try {
      return landmarkPoints(await out.data(), crops.map((c) => ({ width: c.shape[1], height: c.shape[0] })));
    } finally {
      out.dispose();
    }
  }

  dispose(): void { this.net.dispose(); }
}
