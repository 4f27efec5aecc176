import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { facesJobSchema, type FacesJob } from '../../../src/contracts/faces.schema.js';
import { frameJobSchema, type FrameJob } from '../../../src/contracts/frame.schema.js';
import { redisKeys } from '../../../src/queue/keys.js';
import type { FacesProducer } from '../../../src/queue/faces.queue.js';
import { FramesProducer, type FramesProducerOptions } from '../../../src/queue/frames.queue.js';
import { frameJobId, frameJobOptions } from '../../../src/queue/job-options.js';

const PREFIX = 'fs-unit';
const TTL = 30_000;

/** In-memory Redis with just the commands FramesProducer and FrameStore use. */
class FakeRedis {
  readonly counters = new Map<string, number>();
  readonly strings = new Map<string, Buffer>();
  readonly hashes = new Map<string, Map<string, unknown>>();
  readonly ttls = new Map<string, number>();
  readonly zsets = new Map<string, Map<string, number>>();
  readonly deleted: string[] = [];

  async incr(key: string): Promise<number> {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }

  async set(key: string, value: Buffer, mode: string, ttl: number): Promise<'OK'> {
    if (mode !== 'PX') throw new Error(`unexpected SET mode ${mode}`);
    this.strings.set(key, value);
    this.ttls.set(key, ttl);
    return 'OK';
  }

  multi() {
    const ops: (() => unknown)[] = [];
    const chain = {
      hset: (key: string, ...fieldValues: unknown[]) => {
        ops.push(() => {
          const h = this.hashes.get(key) ?? new Map<string, unknown>();
          for (let i = 0; i < fieldValues.length; i += 2) h.set(String(fieldValues[i]), fieldValues[i + 1]);
          this.hashes.set(key, h);
          return fieldValues.length / 2;
        });
        return chain;
      },
      pexpire: (key: string, ms: number) => { ops.push(() => { this.ttls.set(key, ms); return 1; }); return chain; },
      exec: async () => ops.map((op) => [null, op()] as const),
    };
    return chain;
  }

  async zadd(key: string, score: number, member: string): Promise<number> {
    const z = this.zsets.get(key) ?? new Map<string, number>();
    const added = z.has(member) ? 0 : 1;
    z.set(member, score);
    this.zsets.set(key, z);
    return added;
  }

  async zcard(key: string): Promise<number> { return this.zsets.get(key)?.size ?? 0; }

  async zrem(key: string, member: string): Promise<number> { return this.zsets.get(key)?.delete(member) ? 1 : 0; }

  async zpopmin(key: string): Promise<string[]> {
    const z = this.zsets.get(key);
    if (!z?.size) return [];
    const [member, score] = [...z.entries()].sort((a, b) => a[1] - b[1])[0]!;
    z.delete(member);
    return [member, String(score)];
  }

  async del(key: string): Promise<number> {
    this.deleted.push(key);
    return this.strings.delete(key) ? 1 : 0;
  }

  pending(cameraId: string): string[] {
    return [...(this.zsets.get(redisKeys.pending(PREFIX, cameraId)) ?? new Map<string, number>()).entries()].sort((a, b) => a[1] - b[1]).map(([m]) => m);
  }
}

/** BullMQ queue stand-in: remove() answers 1 for a waiting job, 0 for one a worker took (locked) or that is gone. */
class FakeQueue {
  readonly added: { name: string; data: FrameJob; opts: JobsOptions }[] = [];
  readonly waiting = new Set<string>();
  readonly removeCalls: string[] = [];
  readonly close = vi.fn(async () => {});

  async add(name: string, data: FrameJob, opts: JobsOptions) {
    this.added.push({ name, data, opts });
    this.waiting.add(opts.jobId!);
    return { id: opts.jobId };
  }

  async remove(id: string): Promise<0 | 1> {
    this.removeCalls.push(id);
    return this.waiting.delete(id) ? 1 : 0;
  }

  /** A worker picked the job up (it is locked now; the worker has not yet left the pending set). */
  take(id: string): void { this.waiting.delete(id); }
}

function harness(maxInFlightPerCamera = 4) {
  const redis = new FakeRedis();
  const queue = new FakeQueue();
  const published: FacesJob[] = [];
  const faces = { publish: vi.fn(async (j: FacesJob) => { published.push(facesJobSchema.parse(j)); }) };
  const options: FramesProducerOptions = { prefix: PREFIX, frameTtlMs: TTL, maxInFlightPerCamera, queue: queue as unknown as FramesProducerOptions['queue'] };
  const producer = new FramesProducer(redis as unknown as Redis, options, faces as unknown as FacesProducer);
  return { redis, queue, published, faces, producer, options };
}

const jpeg = (n: number) => Buffer.from(`\xff\xd8jpeg-${n}\xff\xd9`, 'latin1');

describe('FramesProducer', () => {
  it('numbers frames 1, 2, 3 ... per camera, independently for each camera', async () => {
    const { producer } = harness();
    const seqs: [string, number][] = [];
    for (const cam of ['cam1', 'cam1', 'cam2', 'cam1', 'cam2']) seqs.push([cam, (await producer.publish(cam, jpeg(0), 1000)).seq]);
    expect(seqs).toEqual([['cam1', 1], ['cam1', 2], ['cam2', 1], ['cam1', 3], ['cam2', 2]]);
  });

  it('sequence numbers keep increasing across producer restarts (the counter lives in Redis)', async () => {
    const h = harness();
    await h.producer.publish('cam1', jpeg(1), 1000);
    await h.producer.publish('cam1', jpeg(2), 1001);
    const restarted = new FramesProducer(h.redis as unknown as Redis, h.options);
    expect((await restarted.publish('cam1', jpeg(3), 1002)).seq).toBe(3);
  });

  it('queues a valid frame job that references the stored bytes, with the frame job options', async () => {
    const { producer, redis, queue } = harness();
    const bytes = jpeg(42);
    const r = await producer.publish('cam-7', bytes, 1_700_000_000_123);
    expect(r).toEqual({ seq: 1, dropped: 0 });

    expect(queue.added).toHaveLength(1);
    const { name, data, opts } = queue.added[0]!;
    expect(name).toBe('frame');
    expect(frameJobSchema.parse(data)).toEqual(data);
    expect(data).toEqual({ version: 1, cameraId: 'cam-7', key: redisKeys.frame(PREFIX, 'cam-7', 1), capturedAt: 1_700_000_000_123, seq: 1, size: bytes.length });
    expect(opts).toMatchObject({ ...frameJobOptions, jobId: frameJobId('cam-7', 1) });
    // the job id contains no ':' (BullMQ refuses those)
    expect(opts.jobId).not.toContain(':');

    // the bytes are in Redis under the job's key, with the frame TTL
    expect(redis.strings.get(data.key)?.equals(bytes)).toBe(true);
    expect(redis.ttls.get(data.key)).toBe(TTL);
    // waiting in the camera's pending set, scored by seq
    expect(redis.pending('cam-7')).toEqual([frameJobId('cam-7', 1)]);
    // the newest frame preview
    const preview = redis.hashes.get(redisKeys.preview(PREFIX, 'cam-7'))!;
    expect(preview.get('seq')).toBe(1);
    expect(preview.get('capturedAt')).toBe(1_700_000_000_123);
    expect((preview.get('jpeg') as Buffer).equals(bytes)).toBe(true);
    expect(redis.ttls.get(redisKeys.preview(PREFIX, 'cam-7'))).toBe(TTL);
  });

  it('the preview holds the newest frame only', async () => {
    const { producer, redis } = harness();
    await producer.publish('cam1', jpeg(1), 1000);
    await producer.publish('cam1', jpeg(2), 2000);
    const preview = redis.hashes.get(redisKeys.preview(PREFIX, 'cam1'))!;
    expect(preview.get('seq')).toBe(2);
    expect((preview.get('jpeg') as Buffer).equals(jpeg(2))).toBe(true);
  });

  it('rejects an invalid frame (capture time not an integer) before storing anything', async () => {
    const { producer, redis, queue } = harness();
    await expect(producer.publish('cam1', jpeg(1), 1000.5)).rejects.toThrow();
    expect(redis.strings.size).toBe(0);
    expect(queue.added).toHaveLength(0);
  });

  it('with maxInFlightPerCamera N, the (N+1)th frame evicts the oldest waiting one and announces it as dropped', async () => {
    const h = harness(2);
    expect(await h.producer.publish('cam1', jpeg(1), 1000)).toEqual({ seq: 1, dropped: 0 });
    expect(await h.producer.publish('cam1', jpeg(2), 1100)).toEqual({ seq: 2, dropped: 0 });
    expect(h.queue.removeCalls).toEqual([]);
    expect(h.published).toEqual([]);

    expect(await h.producer.publish('cam1', jpeg(3), 1200)).toEqual({ seq: 3, dropped: 1 });
    expect(h.queue.removeCalls).toEqual([frameJobId('cam1', 1)]);
    // the evicted frame's bytes are gone, the others stay
    expect(h.redis.strings.has(redisKeys.frame(PREFIX, 'cam1', 1))).toBe(false);
    expect(h.redis.deleted).toEqual([redisKeys.frame(PREFIX, 'cam1', 1)]);
    expect(h.redis.strings.has(redisKeys.frame(PREFIX, 'cam1', 2))).toBe(true);
    expect(h.redis.strings.has(redisKeys.frame(PREFIX, 'cam1', 3))).toBe(true);
    expect(h.redis.pending('cam1')).toEqual([frameJobId('cam1', 2), frameJobId('cam1', 3)]);
    // the hub learns about seq 1 so it does not wait for it
    expect(h.published).toHaveLength(1);
    expect(h.published[0]).toMatchObject({ version: 1, cameraId: 'cam1', seq: 1, skipped: 'dropped', faces: [], width: 0, height: 0 });

    // the next one evicts seq 2
    expect(await h.producer.publish('cam1', jpeg(4), 1300)).toEqual({ seq: 4, dropped: 1 });
    expect(h.published.map((p) => p.seq)).toEqual([1, 2]);
    expect(h.redis.pending('cam1')).toEqual([frameJobId('cam1', 3), frameJobId('cam1', 4)]);
  });

  it('backpressure is per camera: another camera\'s frames never evict this camera\'s', async () => {
    const h = harness(1);
    await h.producer.publish('cam1', jpeg(1), 1000);
    const r = await h.producer.publish('cam2', jpeg(1), 1000);
    expect(r).toEqual({ seq: 1, dropped: 0 });
    expect(h.queue.removeCalls).toEqual([]);
    expect(h.redis.pending('cam1')).toEqual([frameJobId('cam1', 1)]);
    expect(h.redis.pending('cam2')).toEqual([frameJobId('cam2', 1)]);
  });

  it('a frame a worker already took (remove answers 0) is not dropped: bytes kept, nothing announced', async () => {
    const h = harness(2);
    await h.producer.publish('cam1', jpeg(1), 1000);
    await h.producer.publish('cam1', jpeg(2), 1100);
    h.queue.take(frameJobId('cam1', 1)); // locked by a worker that has not yet left the pending set

    expect(await h.producer.publish('cam1', jpeg(3), 1200)).toEqual({ seq: 3, dropped: 0 });
    expect(h.queue.removeCalls).toEqual([frameJobId('cam1', 1)]);
    expect(h.redis.strings.has(redisKeys.frame(PREFIX, 'cam1', 1))).toBe(true); // the worker still needs them
    expect(h.redis.deleted).toEqual([]);
    expect(h.published).toEqual([]);
    expect(h.faces.publish).not.toHaveBeenCalled();
    // seq 1 left the pending set, so 2 and 3 are what waits now
    expect(h.redis.pending('cam1')).toEqual([frameJobId('cam1', 2), frameJobId('cam1', 3)]);
  });

  it('a frame the worker has taken and left the pending set for does not count toward the limit', async () => {
    const h = harness(2);
    await h.producer.publish('cam1', jpeg(1), 1000);
    await h.producer.publish('cam1', jpeg(2), 1100);
    // what the vision worker does on pickup
    h.queue.take(frameJobId('cam1', 1));
    await h.redis.zrem(redisKeys.pending(PREFIX, 'cam1'), frameJobId('cam1', 1));
    expect(await h.producer.publish('cam1', jpeg(3), 1200)).toEqual({ seq: 3, dropped: 0 });
    expect(h.queue.removeCalls).toEqual([]);
  });

  it('without a faces producer, evictions still happen and are counted', async () => {
    const redis = new FakeRedis();
    const queue = new FakeQueue();
    const producer = new FramesProducer(redis as unknown as Redis, { prefix: PREFIX, frameTtlMs: TTL, maxInFlightPerCamera: 1, queue: queue as unknown as FramesProducerOptions['queue'] });
    await producer.publish('cam1', jpeg(1), 1000);
    expect(await producer.publish('cam1', jpeg(2), 1100)).toEqual({ seq: 2, dropped: 1 });
    expect(redis.strings.has(redisKeys.frame(PREFIX, 'cam1', 1))).toBe(false);
  });

  it('close() closes the queue', async () => {
    const h = harness();
    await h.producer.close();
    expect(h.queue.close).toHaveBeenCalledTimes(1);
  });
});
