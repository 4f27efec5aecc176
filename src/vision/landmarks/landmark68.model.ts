import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, FaceApiLandmarkNet, Tensor3D } from '../../engine/tf.js';
import type { Point } from '../align/similarity.js';

/** face-api's 68-point landmark nets (iBUG 300-W layout, the one dlib's alignment expects). */
export class Landmark68Model {
  private constructor(readonly name: 'full' | 'tiny', private readonly net: FaceApiLandmarkNet) {}

  static async load(faceapi: FaceApi, modelDir: string, kind: 'full' | 'tiny'): Promise<Landmark68Model> {
    const file = kind === 'tiny' ? 'face_landmark_68_tiny_model' : 'face_landmark_68_model';
    requireFaceApiModel(modelDir, file);
    const net = kind === 'tiny' ? new faceapi.FaceLandmark68TinyNet() : new faceapi.FaceLandmark68Net();
    await net.loadFromDisk(modelDir);
    return new Landmark68Model(kind, net);
  }

  /** 68 points per face crop, in each crop's own pixel coordinates. */
  async detect(crops: Tensor3D[]): Promise<Point[][]> {
    if (crops.length === 0) return [];
    const out = await this.net.detectLandmarks(crops);
    const list = Array.isArray(out) ? out : [out];
    return list.map((l) => l.positions.map((p) => [p.x, p.y] as const));
  }

  dispose(): void { this.net.dispose(); }
}
