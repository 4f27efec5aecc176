import type { DetectorConfig } from '../../config/schema.js';
import type { FaceApi } from '../../engine/tf.js';
import type { FaceDetector } from './face.detector.js';
import { SsdMobilenetDetector } from './ssd-mobilenet.detector.js';
import { TinyFaceDetector } from './tiny-face.detector.js';

export type { FaceDetector } from './face.detector.js';

export function loadDetector(faceapi: FaceApi, modelDir: string, cfg: DetectorConfig): Promise<FaceDetector> {
  return cfg.model === 'ssd' ? SsdMobilenetDetector.load(faceapi, modelDir, cfg) : TinyFaceDetector.load(faceapi, modelDir, cfg);
}
