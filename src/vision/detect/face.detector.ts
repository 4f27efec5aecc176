import type { Tensor3D } from '../../engine/tf.js';
import type { Detection } from '../types.js';

/** Finds faces in an RGB image tensor; boxes are in that tensor's pixel coordinates. */
export interface FaceDetector {
  readonly name: string;
  detect(image: Tensor3D): Promise<Detection[]>;
  dispose(): void;
}
