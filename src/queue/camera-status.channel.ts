import type { Redis } from 'ioredis';
import type { CameraStatus } from '../contracts/camera.schema.js';
import { redisKeys } from './keys.js';

/**
 * Camera statuses between processes: the ingest writes each one to a Redis hash (the queryable
 * latest state per camera) and then publishes it on a pub/sub channel (changes); the hub reads the
 * hash once and subscribes. Statuses travel as JSON strings: readers validate them. Subscribing
 * needs a connection of its own (a subscribed connection runs no other command).
 */
export class CameraStatusChannel {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly subscriber?: Redis) {}

  async publish(status: CameraStatus): Promise<void> {
    const json = JSON.stringify(status);
    await this.redis.hset(redisKeys.cameraStatus(this.prefix), status.cameraId, json);
    await this.redis.publish(redisKeys.cameraStatusChannel(this.prefix), json);
  }

  /** A removed camera leaves the hash (subscribers keep what they saw). */
  async remove(cameraId: string): Promise<void> {
    await this.redis.hdel(redisKeys.cameraStatus(this.prefix), cameraId);
  }

  /** The latest status of every camera, as stored (JSON). */
  async current(): Promise<string[]> {
    return Object.values(await this.redis.hgetall(redisKeys.cameraStatus(this.prefix)));
  }

  /** The latest status of every camera (any process), parsed. */
  async statuses(): Promise<CameraStatus[]> {
    return (await this.current()).map((v) => JSON.parse(v) as CameraStatus);
  }

  /** Every status published from now on (needs the subscriber connection). */
  async subscribe(listener: (json: string) => void): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber) throw new Error('CameraStatusChannel.subscribe needs a subscriber connection');
    const channel = redisKeys.cameraStatusChannel(this.prefix);
    subscriber.on('message', (ch: string, raw: string) => { if (ch === channel) listener(raw); });
    await subscriber.subscribe(channel);
  }
}
