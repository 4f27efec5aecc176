import type { WasmBackend, WasmTensorInfo } from './image-tensor.js';
import type { TF } from './tf.js';

interface ConcatArgs { inputs: WasmTensorInfo[]; backend: WasmBackend; attrs: { axis: number | number[] } }

/** Runs along the axis at most this long are copied value by value; longer ones keep the original kernel. */
const SHORT_RUN = 8;

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Concat along an axis whose runs are short, for the wasm backend. tfjs-backend-wasm's Concat
 * is JavaScript that copies every run of values with subarray() + set(): joining [n, h, w, 1]
 * tensors on the last axis (face-api's normalize(), before every landmark and ResNet-34 call)
 * creates one typed-array view per pixel, ~4 % of a vision worker's CPU plus garbage collection.
 * Here those runs are copied value by value; every other concat (strings, empty or single
 * inputs, long runs) goes to the original kernel. Same values (test: wasm-engine).
 */
export function installFastConcat(tf: TF): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const original = tf.getKernel('Concat', 'wasm');
  if (!original || (original as { fastConcat?: boolean }).fastConcat) return false;
  const originalFunc = original.kernelFunc as unknown as (args: ConcatArgs) => WasmTensorInfo;
  const kernelFunc = (args: ConcatArgs): WasmTensorInfo => {
    const { inputs, backend } = args;
    const rank = inputs[0]?.shape.length ?? 0;
    const raw = Array.isArray(args.attrs.axis) ? args.attrs.axis[0]! : args.attrs.axis;
    const axis = raw < 0 ? raw + rank : raw;
    const inner = inputs.map((t) => sizeOf(t.shape.slice(axis)));
    const usable = inputs.length > 1 && rank > 0 && axis > 0 && axis < rank
      && inputs.every((t) => t.dtype !== 'string' && t.dtype === inputs[0]!.dtype && t.shape.length === rank && sizeOf(t.shape) > 0)
      && Math.max(...inner) <= SHORT_RUN;
    if (!usable) return originalFunc(args);
    const outShape = [...inputs[0]!.shape];
    outShape[axis] = inputs.reduce((a, t) => a + t.shape[axis]!, 0);
    const out = backend.makeOutput(outShape, inputs[0]!.dtype);
    // views after makeOutput: allocating may grow (and so replace) the wasm heap
    const dst = backend.typedArrayFromHeap(out);
    const src = inputs.map((t) => backend.typedArrayFromHeap(t));
    const outer = sizeOf(inputs[0]!.shape.slice(0, axis));
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
