import type * as tfjs from '@tensorflow/tfjs';
import type { FaceApi, FaceApiNet, Tensor3D } from '../../engine/tf.js';
import type { Anchor } from './postprocess.js';

/**
 * The forward passes of face-api's detector networks, without their post-processing (which reads
 * tensors with dataSync()/arraySync()). These methods exist on face-api 1.7's classes but are not in
 * the engine's FaceApi typing; the casts below are the one place that relies on them.
 */
export interface SsdMobilenetv1Net extends FaceApiNet {
  /** Pad to square (bottom/right), resize to 512, run; decoded relative corner boxes [n, 4] and sigmoid scores [n] per batch item. */
  forward(input: Tensor3D | Tensor3D[]): Promise<{ boxes: tfjs.Tensor2D[]; scores: tfjs.Tensor1D[] }>;
}

export interface TinyFaceDetectorNet extends FaceApiNet {
  /** Pad to square (bottom/right), resize to inputSize, run; raw output [batch, cells, cells, anchors * 5]. */
  forward(input: Tensor3D | Tensor3D[], inputSize: number): Promise<tfjs.Tensor4D>;
  readonly config: { anchors: readonly Anchor[]; iouThreshold: number; classes: readonly string[]; withClassScores?: boolean };
}

export const newSsdMobilenetv1 = (faceapi: FaceApi): SsdMobilenetv1Net => new faceapi.SsdMobilenetv1() as unknown as SsdMobilenetv1Net;
export const newTinyFaceDetector = (faceapi: FaceApi): TinyFaceDetectorNet => new faceapi.TinyFaceDetector() as unknown as TinyFaceDetectorNet;
