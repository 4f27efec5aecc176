import type { Tensor3D } from '../../engine/tf.js';
import type { DetectorName } from '../../config/schema.js';
import type { Detection } from '../types.js';

/** Finds faces in an RGB image tensor; boxes are in that tensor's pixel coordinates. */
export interface FaceDetector {
  readonly name: DetectorName;
  detect(image: Tensor3D): Promise<Detection[]>;
  /**
   * Several images in one network call (each padded to a square and resized to the network
   * input, then stacked): one forward pass per batch, which is what a GPU backend needs.
   * Same detections per image as detect().
   */
  detectBatch(images: Tensor3D[]): Promise<Detection[][]>;
  dispose(): void;
}
