import type * as tfjs from '@tensorflow/tfjs';
import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, FaceApiNet, Tensor3D, TF } from '../../engine/tf.js';
import type { Point } from '../align/similarity.js';
import type { RgbImage } from '../decode/image.decoder.js';
import type { Box } from '../../common/geometry.js';

/**
 * A rectangle of the image (integer pixels; it may reach past the image's edges) as a square RGB
 * crop (float32, 0-255), exactly as face-api's padToSquare(centred) pads a crop tensor: zeros
 * where the rectangle leaves the image (as on an image padded with zeros), and of the
 * n = |width - height| missing columns or rows, n - round(n/2) before the crop and round(n/2)
 * after it.
 */
export function squareCrop(image: RgbImage, r: Box): { data: Float32Array; side: number } {
  const side = Math.max(r.width, r.height);
  const n = side - Math.min(r.width, r.height);
  const before = n - Math.round(n / 2);
  const ox = r.width < r.height ? before : 0, oy = r.height < r.width ? before : 0;
  const data = new Float32Array(side * side * 3);
  const x0 = Math.max(0, r.x), x1 = Math.min(image.width, r.x + r.width);
  if (x1 <= x0) return { data, side };
  for (let row = 0; row < r.height; row++) {
    const y = r.y + row;
    if (y < 0 || y >= image.height) continue;
    const src = (y * image.width + x0) * 3;
    data.set(image.data.subarray(src, src + (x1 - x0) * 3), ((oy + row) * side + ox + x0 - r.x) * 3);
  }
  return { data, side };
}

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
  private constructor(readonly name: 'full' | 'tiny', private readonly net: LandmarkForwardNet, private readonly tf: TF) {}

  static async load(faceapi: FaceApi, modelDir: string, kind: 'full' | 'tiny'): Promise<Landmark68Model> {
    const file = kind === 'tiny' ? 'face_landmark_68_tiny_model' : 'face_landmark_68_model';
    requireFaceApiModel(modelDir, file);
    const net = (kind === 'tiny' ? new faceapi.FaceLandmark68TinyNet() : new faceapi.FaceLandmark68Net()) as unknown as LandmarkForwardNet;
    await net.loadFromDisk(modelDir);
    return new Landmark68Model(kind, net, faceapi.tf);
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

  /**
   * 68 points per rectangle of an RGB image, in that image's coordinates (one network call for
   * all). The same points as detect() on tensor slices of those rectangles, without slicing: on
   * wasm every tf.slice reads the whole source tensor out of the heap (a 1080p frame: ~60 ms per
   * face); here each crop is copied from the RGB bytes, already padded to a square.
   */
  async detectInImages(rects: readonly { image: RgbImage; rect: Box }[]): Promise<Point[][]> {
    if (rects.length === 0) return [];
    const crops = rects.map(({ image, rect }) => squareCrop(image, rect));
    const tensors = crops.map(({ data, side }) => this.tf.tensor3d(data, [side, side, 3], 'float32'));
    try {
      const square = await this.detect(tensors);
      // face-api maps a padded crop's points back by half the padding, unrounded: the same here
      return square.map((points, i) => {
        const r = rects[i]!.rect;
        const dx = r.width < r.height ? (r.height - r.width) / 2 : 0, dy = r.height < r.width ? (r.width - r.height) / 2 : 0;
        return points.map(([x, y]) => [x - dx + r.x, y - dy + r.y] as const);
      });
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  dispose(): void { this.net.dispose(); }
}
