import type { PipelineMetrics } from './pipeline.metrics.js';

/** Job counts of the pipeline queues (queue/queue-counts.ts in the roles). */
export interface QueueCountsSource {
  readonly queues: readonly string[];
  counts(queue: string): Promise<{ waiting: number; delayed: number; prioritized: number; active: number }>;
  close(): Promise<void>;
}

/**
 * Samples the jobs waiting (waiting + delayed + prioritized) and active in the pipeline queues
 * into the queueDepth gauge. Polling, because BullMQ has no push event for counts; one sampler
 * per deployment is enough (the hub runs it), the numbers are Redis-wide.
 */
export class QueueDepthSampler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly source: QueueCountsSource, private readonly metrics: PipelineMetrics, private readonly intervalMs = 2000) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { this.running ??= this.sample().finally(() => { this.running = undefined; }); }, this.intervalMs);
    this.timer.unref();
  }

  /** One sample now (also used by tests). Redis errors leave the last value: metrics never break the pipeline. */
  async sample(): Promise<void> {
    for (const queue of this.source.queues) {
      try {
        const c = await this.source.counts(queue);
        this.metrics.queueDepth.set({ queue }, c.waiting + c.delayed + c.prioritized);
        this.metrics.queueActive.set({ queue }, c.active);
      } catch { /* Redis down: keep the last value */ }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.source.close();
  }
}
