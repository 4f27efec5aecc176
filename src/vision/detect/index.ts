import type { DetectorConfig } from '../../config/schema.js';
import type { FaceApi } from '../../engine/tf.js';
import type { FaceDetector } from './face.detector.js';
import { SsdMobilenetDetector } from './ssd.detector.js';
import { TinyYoloFaceDetector } from './tiny.detector.js';

export type { FaceDetector } from './face.detector.js';
export { SsdMobilenetDetector } from './ssd.detector.js';
export { TinyYoloFaceDetector } from './tiny.detector.js';
/** face-api's own detector calls (synchronous tensor reads: not usable on webgpu); kept as the reference. */
export { FaceApiFaceDetector } from './face-api.detector.js';

/**
 * The configured detector: face-api's networks with our own post-processing, which reads tensors
 * only asynchronously (works on wasm, cpu, tensorflow and webgpu alike).
 */
export function loadDetector(faceapi: FaceApi, modelDir: string, cfg: DetectorConfig): Promise<FaceDetector> {
  return cfg.model === 'ssd' ? SsdMobilenetDetector.load(faceapi, modelDir, cfg) : TinyYoloFaceDetector.load(faceapi, modelDir, cfg);
}
