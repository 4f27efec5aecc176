import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { PermanentJobError, type QueuedJob } from '../../../src/contracts/job.js';
import { JobQueueConsumer } from '../../../src/queue/job.consumer.js';
import { queueNames } from '../../../src/queue/keys.js';
import { queueOptions } from '../../../src/queue/queue-options.js';
import { createRedis, deletePrefix } from '../../../src/queue/redis.connection.js';
import { uniquePrefix } from '../../helpers/redis.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await (async () => {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  try { await r.connect(); await r.ping(); return true; } catch { return false; } finally { r.disconnect(); }
})();

interface Failure { job: QueuedJob<{ n: number }> | undefined; name: string; message: string; final: boolean }

describe.skipIf(!redisUp)('JobQueueConsumer: the JobConsumer port on BullMQ (real Redis)', () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => { for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } } });

  async function setup() {
    const prefix = uniquePrefix('consumer');
    const redis = createRedis(redisUrl, 'consumer-test');
    const queue = new Queue(queueNames.maintenance, queueOptions(redis, prefix));
    const consumer = new JobQueueConsumer<{ n: number }, number>(queueNames.maintenance, redis, prefix);
    cleanups.push(() => redis.quit(), () => deletePrefix(redisUrl, prefix), () => queue.close(), () => consumer.close());
    return { queue, consumer };
  }

  it('a PermanentJobError is not retried (final at once, as BullMQ\'s UnrecoverableError); another error is, until the last attempt', async () => {
    const { queue, consumer } = await setup();
    const failures: Failure[] = [];
    const completed: QueuedJob<{ n: number }>[] = [];
    const seen: { id: string | undefined; attemptsMade: number }[] = [];
    consumer.consume(async (job) => {
      seen.push({ id: job.id, attemptsMade: job.attemptsMade });
      if (job.data.n === 1) throw new PermanentJobError('bad job');
      if (job.data.n === 2) throw new Error('transient');
      return job.data.n * 10;
    }, { concurrency: 1 }, {
      failed: (job, err, final) => failures.push({ job, name: err.name, message: err.message, final }),
      completed: (job) => completed.push(job),
      error: () => {},
    });
    await queue.add('retention', { n: 1 }, { jobId: 'one', attempts: 3 });
    await queue.add('retention', { n: 2 }, { jobId: 'two', attempts: 2 });
    await queue.add('retention', { n: 3 }, { jobId: 'three', attempts: 3 });
    await expect.poll(() => failures.length + completed.length, { timeout: 15_000, interval: 50 }).toBe(4);
    expect(failures.filter((f) => f.job?.id === 'one')).toEqual([{ job: { id: 'one', data: { n: 1 }, attemptsMade: 1 }, name: 'UnrecoverableError', message: 'bad job', final: true }]);
    expect(failures.filter((f) => f.job?.id === 'two').map((f) => [f.job?.attemptsMade, f.message, f.final])).toEqual([[1, 'transient', false], [2, 'transient', true]]);
    // after an attempt (failed or completed) it counts in attemptsMade, as the webhook delivery state reports it
    expect(completed).toEqual([{ id: 'three', data: { n: 3 }, attemptsMade: 1 }]);
    expect(seen.filter((s) => s.id === 'two').map((s) => s.attemptsMade)).toEqual([0, 1]);
    expect(await queue.getJobState('three')).toBe('completed');
    expect((await queue.getJob('three'))?.returnvalue).toBe(30);
  });

  it('settings a stage leaves out keep BullMQ\'s defaults (an undefined option would override them)', async () => {
    const { consumer } = await setup();
    consumer.consume(async () => 0, { concurrency: 2, lockDurationMs: undefined, name: undefined }, { error: () => {} });
    const opts = (consumer as unknown as { worker: { opts: Record<string, unknown> } }).worker.opts;
    expect(opts).toMatchObject({ concurrency: 2, lockDuration: 30_000, stalledInterval: 30_000, maxStalledCount: 1 });
  });
});
