import { z } from 'zod';
import { section } from './base.js';

/** redis: the server the queues, frame bytes and events go through. */

export const redisSchema = section({
  url: z.string().min(1).max(2000).regex(/^rediss?:\/\/[^\s]*$/i, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379')
    .describe('Redis for the queues, frame bytes and events (plain REDIS_URL is honoured too).'),
  prefix: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/).default('facestream')
    .describe('Key prefix of this deployment (queues, frames, events); several deployments can share one Redis.'),
  eventsMaxLen: z.number().int().min(100).max(100000).default(1000)
    .describe('Entries kept in each BullMQ queue event stream (about five per frame; approximate trim). Below BullMQ\'s own default, which kept Redis growing for many minutes (see docs/benchmarks/soak.md).'),
});

export type RedisConfig = z.infer<typeof redisSchema>;
