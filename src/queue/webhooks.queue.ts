import { Queue, Worker, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueNames } from '../contracts/queues.js';
import type { WebhookJob } from '../contracts/webhook.schema.js';
import { queueOptions } from './queue-options.js';

/** The "webhooks" queue: one signed delivery per job; the result is the receiver's HTTP status. */
export type WebhooksQueue = Queue<WebhookJob, number, 'webhook'>;
export type WebhooksWorker = Worker<WebhookJob, number, 'webhook'>;

export const createWebhooksQueue = (connection: Redis, prefix: string, eventsMaxLen?: number): WebhooksQueue =>
  new Queue<WebhookJob, number, 'webhook'>(queueNames.webhooks, queueOptions(connection, prefix, eventsMaxLen));

/** The consumer of "webhooks" (the hub's alerting). Job data still comes from Redis: validate it. */
export function createWebhooksWorker(processor: Processor<WebhookJob, number, 'webhook'>, options: WorkerOptions): WebhooksWorker {
  return new Worker<WebhookJob, number, 'webhook'>(queueNames.webhooks, processor, options);
}
