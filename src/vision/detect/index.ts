import type { DetectorConfig } from '../../config/schema.js';
import type { FaceApi } from '../../engine/tf.js';
import { FaceApiFaceDetector } from './face-api.detector.js';
import type { FaceDetector } from './face.detector.js';

export type { FaceDetector } from './face.detector.js';

export function loadDetector(faceapi: FaceApi, modelDir: string, cfg: DetectorConfig): Promise<FaceDetector> {
  return FaceApiFaceDetector.load(faceapi, modelDir, cfg);
}
