import type { WasmBackend, WasmTensorInfo } from './image-tensor.js';
import type { TF } from './tf.js';

interface ConcatArgs { inputs: WasmTensorInfo[]; backend: WasmBackend; attrs: { axis: number | number[] } }
type Backend = WasmBackend & { disposeData(dataId: object): void };
type TransposeFunc = (args: { inputs: { x: WasmTensorInfo }; backend: Backend; attrs: { perm: number[] } }) => WasmTensorInfo;

/** Unequal runs along the axis at most this long are copied value by value; longer ones keep the original kernel. */
const SHORT_RUN = 8;

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Concat for the wasm backend without one typed-array view per run. tfjs-backend-wasm's Concat
 * is JavaScript that copies every run of values with subarray() + set(): joining [n, h, w, 1]
 * tensors on the last axis (face-api's normalize(), before every landmark and ResNet-34 call)
 * creates one view per pixel, and FaceBoxes' CReLU joins [1, 192, 320, 24] twice on channels for
 * a 1280x720 frame (11-13 ms, an eighth of the detector).
 * - Inputs of the same size along the axis (both cases) are copied one after the other into an
 *   [inputs, outer, run] buffer (one copy per input) and put in place by the backend's native
 *   Transpose ([outer, inputs, run]): the CReLU join ~3 ms, normalize() of 5 landmark crops
 *   1.1 → 0.3 ms.
 * - Unequal runs of at most SHORT_RUN values are copied value by value.
 * Everything else (strings, empty or single inputs, axis 0, bool or unequal inputs with runs
 * longer than SHORT_RUN) goes to the original kernel. Same values (test: wasm-engine).
 */
export function installFastConcat(tf: TF): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const original = tf.getKernel('Concat', 'wasm');
  if (!original || (original as { fastConcat?: boolean }).fastConcat) return false;
  const originalFunc = original.kernelFunc as unknown as (args: ConcatArgs) => WasmTensorInfo;
  const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc as unknown as TransposeFunc | undefined;
  const kernelFunc = (args: ConcatArgs): WasmTensorInfo => {
    const { inputs, backend } = args;
    const rank = inputs[0]?.shape.length ?? 0;
    const raw = Array.isArray(args.attrs.axis) ? args.attrs.axis[0]! : args.attrs.axis;
    const axis = raw < 0 ? raw + rank : raw;
    const inner = inputs.map((t) => sizeOf(t.shape.slice(axis)));
    const usable = inputs.length > 1 && rank > 0 && axis > 0 && axis < rank
      && inputs.every((t) => t.dtype !== 'string' && t.dtype === inputs[0]!.dtype && t.shape.length === rank && sizeOf(t.shape) > 0);
    if (!usable) return originalFunc(args);
    const outShape = [...inputs[0]!.shape];
    outShape[axis] = inputs.reduce((a, t) => a + t.shape[axis]!, 0);
    const outer = sizeOf(inputs[0]!.shape.slice(0, axis));
    const dtype = inputs[0]!.dtype;
    if (transpose && outer > 1 && (dtype === 'float32' || dtype === 'int32') && inner.every((d) => d === inner[0])) {
      // [inputs, outer, run] (one copy per input), then the native Transpose to [outer, inputs, run]
      const be = backend as Backend;
      const stacked = be.makeOutput([inputs.length, outer, inner[0]!], dtype);
      try {
        const dst = be.typedArrayFromHeap(stacked) as Float32Array | Int32Array;
        inputs.forEach((t, i) => dst.set(be.typedArrayFromHeap(t) as Float32Array | Int32Array, i * outer * inner[0]!));
        const moved = transpose({ inputs: { x: stacked }, backend: be, attrs: { perm: [1, 0, 2] } });
        return { dataId: moved.dataId, shape: outShape, dtype };
      } finally {
        be.disposeData(stacked.dataId);
      }
    }
    if (Math.max(...inner) > SHORT_RUN) return originalFunc(args);
    const out = backend.makeOutput(outShape, dtype);
    // views after makeOutput: allocating may grow (and so replace) the wasm heap
    const dst = backend.typedArrayFromHeap(out);
    const src = inputs.map((t) => backend.typedArrayFromHeap(t));
    let o = 0;
    for (let b = 0; b < outer; b++) {
      for (let i = 0; i < src.length; i++) {
        const d = inner[i]!, s = src[i]!;
        for (let k = b * d, end = k + d; k < end; k++) dst[o++] = s[k]!;
      }
    }
    return out;
  };
  tf.unregisterKernel('Concat', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: kernelFunc as unknown as typeof original.kernelFunc, fastConcat: true } as typeof original);
  return true;
}
