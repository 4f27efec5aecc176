import { UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { PermanentJobError, type ConsumerEvents, type ConsumerOptions, type JobConsumer, type QueuedJob } from '../contracts/job.js';
import type { QueueName } from './keys.js';

/**
 * The consumer side of one BullMQ queue behind the JobConsumer port (contracts/job.ts): one
 * Worker on the given connection, started by consume(). A processor's PermanentJobError becomes
 * BullMQ's UnrecoverableError (no retry); what BullMQ stores as the job's return value is
 * `stored(result)` (the frames queue keeps a summary only). Stage code sees QueuedJob views.
 */
export class JobQueueConsumer<T, R, S = R> implements JobConsumer<T, R> {
  private worker: Worker<T, S> | undefined;

  constructor(
    private readonly queueName: QueueName,
    private readonly connection: Redis,
    private readonly keyPrefix: string,
    private readonly stored: (result: R) => S = (r) => r as unknown as S,
  ) {}

  consume(processor: (job: QueuedJob<T>) => Promise<R>, options: ConsumerOptions, events: ConsumerEvents<T> = {}): void {
    if (this.worker) return;
    const worker = new Worker<T, S>(this.queueName, async (job) => {
      try {
        return this.stored(await processor(view(job)));
      } catch (e) {
        if (e instanceof PermanentJobError) throw new UnrecoverableError(e.message);
        throw e;
      }
    }, workerOptions(this.connection, this.keyPrefix, options));
    if (events.error) worker.on('error', events.error);
    if (events.completed) worker.on('completed', (job) => events.completed!(view(job)));
    if (events.failed) {
      worker.on('failed', (job, err) => events.failed!(job && view(job), err, !!job && (err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1))));
    }
    this.worker = worker;
  }

  /** Finish the jobs in flight, then stop (nothing to do when never started). */
  async close(): Promise<void> {
    await this.worker?.close();
  }
}

const view = <T>(job: Job<T>): QueuedJob<T> => ({ id: job.id, data: job.data, attemptsMade: job.attemptsMade });

/** Only the settings a stage gave: BullMQ merges options over its defaults, an undefined one included. */
function workerOptions(connection: Redis, prefix: string, o: ConsumerOptions): WorkerOptions {
  return {
    connection, prefix, concurrency: o.concurrency,
    ...(o.stalledIntervalMs === undefined ? {} : { stalledInterval: o.stalledIntervalMs }),
    ...(o.lockDurationMs === undefined ? {} : { lockDuration: o.lockDurationMs }),
    ...(o.maxStalledCount === undefined ? {} : { maxStalledCount: o.maxStalledCount }),
    ...(o.name === undefined ? {} : { name: o.name }),
  };
}
