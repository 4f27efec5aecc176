import { ApiError } from './errors.js';

/**
 * Bounds the photo analyses of one process (api.maxConcurrentAnalyses at once, at most
 * api.maxQueuedAnalyses waiting): every upload that is decoded and analysed holds memory, and
 * the engine does one at a time, so past the bound a request is refused at once with 429
 * E_BUSY and a Retry-After (seconds) estimated from the recent analysis times, instead of
 * piling up memory and latency for everyone.
 */
export class AnalysisGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Durations (ms) of the last analyses, for Retry-After. */
  private readonly recent: number[] = [];
  private refusedCount = 0;

  constructor(private readonly maxRunning: number, private readonly maxWaiting: number) {}

  /** Run `fn` when a slot is free; throws 429 E_BUSY when the line is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxRunning) {
      if (this.waiting.length >= this.maxWaiting) {
        this.refusedCount++;
        throw new ApiError(429, 'E_BUSY', `busy: ${this.running} photo analyses running and ${this.waiting.length} waiting (api.maxConcurrentAnalyses / api.maxQueuedAnalyses); retry later`,
          undefined, { 'retry-after': String(this.retryAfterS()) });
      }
      // the slot is handed over by the finishing request (running stays counted)
      await new Promise<void>((ok) => this.waiting.push(ok));
    } else {
      this.running++;
    }
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.recent.push(performance.now() - t0);
      if (this.recent.length > 20) this.recent.shift();
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Seconds until the line has likely moved by one place more than it holds now. */
  retryAfterS(): number {
    const sorted = [...this.recent].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 1000;
    return Math.max(1, Math.ceil(((this.waiting.length + 1) * median) / this.maxRunning / 1000));
  }

  get stats(): { running: number; waiting: number; refused: number } {
    return { running: this.running, waiting: this.waiting.length, refused: this.refusedCount };
  }
}
