import v8 from 'node:v8';

/**
 * Let the V8 heap of a process that runs a vision worker grow to (1 + percent/100) x its live
 * size before a full (mark-compact) collection (`vision.heapGrowingPercent`; 0 leaves V8's
 * default). A worker allocates little on the JS heap (frames, tensors and chips live in
 * ArrayBuffers and wasm memory) but keeps ~58 MB live (models, modules); V8 then keeps the old
 * generation limit so close to the live size that incremental marking restarts every ~2 frames
 * (37 full collections in 63 crowd frames, ~40 ms of marking threads' CPU a frame). The V8 flag
 * is read at every heap limit computation, so setting it at run time takes effect for the next
 * collection (test: heap-growth).
 */
export function setHeapGrowingPercent(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
