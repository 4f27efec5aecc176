import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueNames } from './keys.js';
import { createRedis } from './redis.connection.js';

/**
 * BullMQ's events of the "webhooks" queue, on a connection of its own (QueueEvents blocks on the
 * events stream): completed = delivered, failed = one failed attempt. The hub's webhook counters
 * observe deliveries through it without touching the dispatcher. It reconnects by itself; its
 * errors are swallowed (metrics never break the hub).
 */
export class WebhookEvents {
  private readonly redis: Redis;
  private readonly events: QueueEvents;
  private closing: Promise<void> | undefined;

  constructor(url: string, prefix: string) {
    this.redis = createRedis(url, 'facestream-webhook-metrics');
    this.events = new QueueEvents(queueNames.webhooks, { connection: this.redis, prefix });
    this.events.on('error', () => { /* reconnects by itself; metrics never break the hub */ });
  }

  on(event: 'completed' | 'failed', listener: () => void): void {
    this.events.on(event, () => listener());
  }

  close(): Promise<void> {
    return (this.closing ??= this.events.close().finally(() => this.redis.disconnect()));
  }
}
