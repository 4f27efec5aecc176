import { Queue, QueueEvents } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import type { FacesJob } from '../../src/contracts/faces.schema.js';
import type { FrameJob } from '../../src/contracts/frame.schema.js';
import { queueNames } from '../../src/queue/keys.js';
import { FacesProducer } from '../../src/queue/faces.queue.js';
import { FramesInbox, type FrameOutcome } from '../../src/queue/frames.inbox.js';
import { queueOptions } from '../../src/queue/queue-options.js';
import { createRedis } from '../../src/queue/redis.connection.js';
import { frameJobOptions } from '../../src/queue/job-options.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';

/** What a soak showed growing in Redis: BullMQ event streams, and the frame results inside them. */
describe('queue retention in Redis (real Redis, BullMQ)', () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => { for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } } });

  const face = (): FacesJob['faces'][number] => ({
    box: { x: 1, y: 2, width: 100, height: 120 }, score: 0.9,
    landmarks: { leftEye: [1, 2], rightEye: [3, 4], nose: [5, 6], mouthLeft: [7, 8], mouthRight: [9, 10] },
    quality: { size: 100, sharpness: 1, yaw: 0, passed: true, reasons: [] },
    embedding: Array.from({ length: 128 }, (_, i) => i / 1000), crop: 'A'.repeat(6000),
    appearance: Array.from({ length: 256 }, (_, i) => i / 1000),
  });

  it('a queue event stream stays near redis.eventsMaxLen (BullMQ default 10000)', async () => {
    const prefix = uniquePrefix('events');
    cleanups.push(() => cleanupPrefix(sharedRedisUrl, prefix));
    const redis = createRedis(sharedRedisUrl);
    cleanups.push(() => redis.quit());
    const faces = new FacesProducer(redis, prefix, 200);
    cleanups.push(() => faces.close());
    for (let seq = 1; seq <= 600; seq++) {
      await faces.publish({ version: 1, cameraId: 'cam1', seq, capturedAt: seq, detectedAt: seq, skipped: 'still', width: 0, height: 0, modelId: '', faces: [] });
    }
    expect(await redis.hget(`${prefix}:${queueNames.faces}:meta`, 'opts.maxLenEvents')).toBe('200');
    // ~ trimming: whole stream nodes (stream-node-max-entries, 100 by default) go at once
    const len = await redis.xlen(`${prefix}:${queueNames.faces}:events`);
    expect(len).toBeGreaterThanOrEqual(200);
    expect(len).toBeLessThanOrEqual(300 + 1);
    // a read-only Queue (the hub's depth sampler) never rewrites the producers' setting
    const sampler = new Queue(queueNames.faces, queueOptions(redis, prefix, undefined, true));
    await sampler.getJobCounts('waiting');
    await sampler.close();
    expect(await redis.hget(`${prefix}:${queueNames.faces}:meta`, 'opts.maxLenEvents')).toBe('200');
  });

  it('a finished frame job leaves a summary in the "completed" event, not the faces (crops, embeddings)', async () => {
    const prefix = uniquePrefix('outcome');
    cleanups.push(() => cleanupPrefix(sharedRedisUrl, prefix));
    const redis = createRedis(sharedRedisUrl);
    cleanups.push(() => redis.quit());
    const frames = new Queue<FrameJob, FrameOutcome, 'frame'>(queueNames.frames, queueOptions(redis, prefix));
    cleanups.push(() => frames.close());
    const workerRedis = createRedis(sharedRedisUrl);
    cleanups.push(() => workerRedis.quit());
    const eventsRedis = createRedis(sharedRedisUrl);
    cleanups.push(() => eventsRedis.quit());
    const events = new QueueEvents(queueNames.frames, { connection: eventsRedis, prefix });
    cleanups.push(() => events.close());
    await events.waitUntilReady();
    const done = new Promise<FrameOutcome>((ok) => events.on('completed', ({ returnvalue }) => ok(returnvalue as unknown as FrameOutcome)));
    const inbox = new FramesInbox(workerRedis, prefix);
    cleanups.push(() => inbox.close());
    inbox.consume(async (job) => ({
      version: 1, cameraId: job.data.cameraId, seq: job.data.seq, capturedAt: job.data.capturedAt, detectedAt: Date.now(),
      width: 640, height: 480, modelId: 'm', worker: 'vision-test', faces: [face(), face()],
    }), { concurrency: 1 });
    await frames.add('frame', { version: 1, cameraId: 'cam1', key: `${prefix}:frame:cam1:7`, capturedAt: Date.now(), seq: 7, size: 10 }, { ...frameJobOptions, jobId: 'f.cam1.7' });
    expect(await done).toEqual({ seq: 7, worker: 'vision-test', faces: 2 });
    const entries = await redis.xrange(`${prefix}:${queueNames.frames}:events`, '-', '+');
    const completed = entries.map(([, fields]) => fields).find((f) => f[1] === 'completed');
    expect(completed).toBeDefined();
    const returnvalue = completed![completed!.indexOf('returnvalue') + 1]!;
    expect(JSON.parse(returnvalue)).toEqual({ seq: 7, worker: 'vision-test', faces: 2 });
    expect(returnvalue.length).toBeLessThan(100);
    // removed on completion: no job hash left behind
    expect(await redis.exists(`${prefix}:${queueNames.frames}:f.cam1.7`)).toBe(0);
  });
});
