import type { DetectorConfig } from '../../config/schema.js';
import type { FaceApi } from '../../engine/tf.js';
import { FaceBoxesDetector } from './faceboxes.detector.js';
import type { FaceDetector } from './face.detector.js';
import { SsdMobilenetDetector } from './ssd.detector.js';
import { TinyYoloFaceDetector } from './tiny.detector.js';

export type { FaceDetector } from './face.detector.js';
export { SsdMobilenetDetector } from './ssd.detector.js';
export { TinyYoloFaceDetector } from './tiny.detector.js';
export { FaceBoxesDetector } from './faceboxes.detector.js';
/** face-api's own detector calls (synchronous tensor reads: not usable on webgpu); kept as the reference. */
export { FaceApiFaceDetector } from './face-api.detector.js';

/**
 * The configured detector: face-api's networks with our own post-processing, or FaceBoxes (a graph
 * model run with executeAsync); all read tensors only asynchronously (wasm, cpu, tensorflow, webgpu).
 */
export function loadDetector(faceapi: FaceApi, dirs: { faceApi: string; human: string }, cfg: DetectorConfig): Promise<FaceDetector> {
  switch (cfg.model) {
    case 'ssd': return SsdMobilenetDetector.load(faceapi, dirs.faceApi, cfg);
    case 'tiny': return TinyYoloFaceDetector.load(faceapi, dirs.faceApi, cfg);
    case 'faceboxes': return FaceBoxesDetector.load(faceapi.tf, dirs.human, cfg);
  }
}
