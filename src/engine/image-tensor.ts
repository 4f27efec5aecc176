import type { Tensor3D, TF } from './tf.js';

/** The parts of tfjs-backend-wasm's backend facestream uses directly (public methods of BackendWasm). */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: string): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): ArrayLike<number> & { [i: number]: number; set(a: ArrayLike<number>): void };
}
export interface WasmTensorInfo { dataId: object; shape: number[]; dtype: string }

/**
 * RGB bytes (row-major, 3 per pixel) as an int32 [height, width, 3] tensor. On wasm the bytes are
 * written straight into the tensor's heap memory: tf.tensor3d first converts them into a new
 * Int32Array in JS and then copies that (~19 ms for a 1280x720 frame on this machine, mostly
 * allocation and garbage collection, against ~0.4 ms). Other backends: tf.tensor3d.
 */
export function imageTensor(tf: TF, image: { data: Uint8Array; width: number; height: number }): Tensor3D {
  const shape: [number, number, number] = [image.height, image.width, 3];
  if (image.data.length !== image.width * image.height * 3) throw new Error(`image data has ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
  if (tf.getBackend() !== 'wasm') return tf.tensor3d(image.data, shape, 'int32');
  const backend = tf.backend() as unknown as WasmBackend;
  const info = backend.makeOutput(shape, 'int32');
  // the view is taken after makeOutput: allocating may grow (and so replace) the heap
  backend.typedArrayFromHeap(info).set(image.data);
  return tf.engine().makeTensorFromTensorInfo(info as never) as Tensor3D;
}
