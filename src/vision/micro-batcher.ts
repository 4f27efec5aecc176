/**
 * Collects items submitted concurrently into batches: a batch runs as soon as `size` items are
 * waiting, or `maxWaitMs` after the first one arrived. Each submit resolves with its own output
 * (or rejects with the batch's error). Used by the vision worker to detect several frames in one
 * network call on GPU backends (`vision.batchSize`).
 */
export class MicroBatcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly maxWaitMs: number,
    private readonly run: (items: I[]) => Promise<O[]>,
    /** Called with the size of every batch that runs (metrics, benchmarks). */
    private readonly onBatch?: (size: number) => void,
  ) {
    if (!(Number.isInteger(size) && size >= 1)) throw new Error(`MicroBatcher: size must be a positive integer, got ${size}`);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.size) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  /** Items waiting for their batch. */
  get pending(): number { return this.queue.length; }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.size);
      this.onBatch?.(batch.length);
      this.run(batch.map((b) => b.item)).then(
        (outs) => {
          if (outs.length !== batch.length) throw new Error(`MicroBatcher: ${outs.length} outputs for ${batch.length} items`);
          batch.forEach((b, i) => b.resolve(outs[i]!));
        },
      ).catch((e: unknown) => { for (const b of batch) b.reject(e); });
      // what is left is a partial batch: it waits for more items or the timer
      if (this.queue.length < this.size) {
        if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
        return;
      }
    }
  }
}
