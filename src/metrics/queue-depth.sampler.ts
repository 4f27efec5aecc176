import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueNames } from '../contracts/queues.js';
import { queueOptions } from '../queue/queue-options.js';
import type { PipelineMetrics } from './pipeline.metrics.js';

/**
 * Samples the jobs waiting (waiting + delayed + prioritized) and active in the pipeline queues
 * into the queueDepth gauge. Polling, because BullMQ has no push event for counts; one sampler
 * per deployment is enough (the hub runs it), the numbers are Redis-wide.
 */
export class QueueDepthSampler {
  private readonly queues: Queue[];
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(connection: Redis, prefix: string, private readonly metrics: PipelineMetrics, private readonly intervalMs = 2000) {
    // read-only: never rewrites the queues' meta (their event stream length is the producers' setting)
    this.queues = [queueNames.frames, queueNames.faces].map((name) => new Queue(name, queueOptions(connection, prefix, undefined, true)));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { this.running ??= this.sample().finally(() => { this.running = undefined; }); }, this.intervalMs);
    this.timer.unref();
  }

  /** One sample now (also used by tests). Redis errors leave the last value: metrics never break the pipeline. */
  async sample(): Promise<void> {
    for (const q of this.queues) {
      try {
        const c = await q.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
        this.metrics.queueDepth.set({ queue: q.name }, (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0));
        this.metrics.queueActive.set({ queue: q.name }, c.active ?? 0);
      } catch { /* Redis down: keep the last value */ }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
