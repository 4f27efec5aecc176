/**
 * A queued job and a queue's consumer side as stage code sees them, without BullMQ: the job's id,
 * validated-later data and attempt counts; a consumer that runs a processor per job with our own
 * settings. A processor throws PermanentJobError for a job that must not be retried (invalid
 * data, an undecodable frame, a deleted rule); any other error is retried as the queue's job
 * options say. queue/job.consumer.ts implements it on BullMQ.
 */

/** What a processor sees of one job. */
export interface QueuedJob<T> {
  readonly id: string | undefined;
  /** As stored in Redis: validate it. */
  readonly data: T;
  /** Attempts already made before this one (0 on the first). */
  readonly attemptsMade: number;
}

/** A job that fails for good: the queue does not retry it. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** How a stage wants its jobs run. */
export interface ConsumerOptions {
  /** Jobs run at the same time by this consumer. */
  concurrency: number;
  /** How long a job stays locked to this consumer without a renewal, ms. */
  lockDurationMs?: number;
  /** How often locks of crashed consumers are checked, ms. */
  stalledIntervalMs?: number;
  /** How often a job whose consumer crashed is handed out again. */
  maxStalledCount?: number;
  /** The consumer's name, shown with its jobs. */
  name?: string;
}

export interface ConsumerEvents<T> {
  completed?(job: QueuedJob<T>): void;
  /** One failed attempt; final: the queue will not retry it (a PermanentJobError, or its last attempt). */
  failed?(job: QueuedJob<T> | undefined, err: Error, final: boolean): void;
  /** The consumer's own trouble (Redis connection): it reconnects by itself. */
  error?(err: Error): void;
}

/** The consumer side of one queue: start() once, close() finishes the jobs in flight. */
export interface JobConsumer<T, R> {
  consume(processor: (job: QueuedJob<T>) => Promise<R>, options: ConsumerOptions, events?: ConsumerEvents<T>): void;
  close(): Promise<void>;
}
