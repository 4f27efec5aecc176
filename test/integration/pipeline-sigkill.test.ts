import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { FacesJob } from '../../src/contracts/faces.schema.js';
import { queueNames } from '../../src/queue/keys.js';
import { startHubRole, startIngestRole } from '../../src/roles/roles.js';
import { createRedis } from '../../src/queue/redis.connection.js';
import type { Identifier } from '../../src/track/identifier.js';
import { dataPath, repoRoot } from '../helpers/data.js';
import { testConfig } from '../helpers/engine.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';

const waitFor = async (cond: () => boolean | Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond()) return true; await new Promise((ok) => setTimeout(ok, 200)); }
  return cond();
};

const nobody: Identifier = { identify: () => null };

/** A vision worker as its own process (`node --import tsx workers/vision.ts`), as deployed. */
function visionProcess(prefix: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'workers/vision.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env, REDIS_URL: sharedRedisUrl, FACESTREAM_REDIS_URL: sharedRedisUrl, FACESTREAM_REDIS_PREFIX: prefix,
      FACESTREAM_LOG_LEVEL: 'warn', FACESTREAM_VISION_STALLED_INTERVAL_MS: '2000', FACESTREAM_VISION_MAX_FRAME_AGE_MS: '15000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe('vision worker SIGKILLed mid-stream (child processes, real Redis/BullMQ, real engine)', () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => { for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } } });

  it('the other worker continues and every frame job active at the kill gets a result (stalled job recovered, not stuck)', async () => {
    const prefix = uniquePrefix('kill');
    cleanups.push(() => cleanupPrefix(sharedRedisUrl, prefix));
    const config = testConfig({
      redis: { url: sharedRedisUrl, prefix },
      ingest: { cameras: [{ id: 'cam1', url: dataPath('video/single_person_480p.mkv'), sampleFps: 4 }], maxInFlightPerCamera: 4 },
      vision: { maxFrameAgeMs: 15_000, stalledIntervalMs: 2000 },
      track: { reorderWindowMs: 1000 },
    });
    const logger = pino({ level: 'silent' });
    const hub = startHubRole(config, { logger, identifier: nobody });
    cleanups.push(() => hub.close());
    const results: FacesJob[] = [];
    hub.hub.on('frame', (f) => results.push(f));
    const workers = [visionProcess(prefix), visionProcess(prefix)];
    for (const w of workers) cleanups.push(() => { if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL'); });
    const ingest = startIngestRole(config, { logger });
    cleanups.push(() => ingest.close());
    const redis = createRedis(sharedRedisUrl);
    cleanups.push(() => redis.quit());
    const frames = new Queue(queueNames.frames, { connection: redis, prefix });
    cleanups.push(() => frames.close());
    // BullMQ's own event stream: which frame jobs stalled, completed (with the worker's result) or failed
    const eventsRedis = createRedis(sharedRedisUrl);
    cleanups.push(() => eventsRedis.quit());
    const events = new QueueEvents(queueNames.frames, { connection: eventsRedis, prefix });
    cleanups.push(() => events.close());
    const stalled = new Set<string>();
    const finished = new Map<string, string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));
    events.on('completed', ({ jobId, returnvalue }) => finished.set(jobId, JSON.stringify(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => finished.set(jobId, `failed: ${failedReason}`));
    await events.waitUntilReady();

    const name = (w: ChildProcess) => `vision-${w.pid}`;
    const analysedBy = (w: ChildProcess) => results.filter((r) => r.worker === name(w) && !r.skipped).length;
    // both workers are up and analysing (model loading takes a while on a loaded machine)
    const crashed = () => workers.some((w) => w.exitCode !== null);
    expect(await waitFor(() => crashed() || (analysedBy(workers[0]!) >= 1 && analysedBy(workers[1]!) >= 1), 150_000) && !crashed(),
      JSON.stringify({ workers: workers.map(name), exits: workers.map((w) => w.exitCode), results: results.map((r) => [r.seq, r.worker, r.skipped]) })).toBe(true);

    // kill the victim while it holds a frame job (BullMQ records the worker name on the job). The victim is
    // frozen (SIGSTOP) before its active jobs are read, so none can complete between the read and the kill;
    // the pause lets a completion already sent to Redis land first. A job is active only ~100 ms of each frame
    // interval, hence the random wait between tries.
    const [victim, survivor] = workers as [ChildProcess, ChildProcess];
    const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
    let heldByVictim: Job[] = [];
    expect(await waitFor(async () => {
      victim.kill('SIGSTOP');
      await pause(100);
      heldByVictim = (await frames.getActive()).filter((j) => j.processedBy === name(victim));
      if (heldByVictim.length > 0) return true;
      victim.kill('SIGCONT');
      await pause(Math.random() * 300); // not in step with the camera's frame interval
      return false;
    }, 30_000)).toBe(true);
    const exited = new Promise((ok) => victim.once('exit', ok));
    victim.kill('SIGKILL');
    await exited;
    const killedIds = heldByVictim.map((j) => j.id!);
    const survivorBefore = analysedBy(survivor);

    // the survivor keeps analysing new frames
    expect(await waitFor(() => analysedBy(survivor) >= survivorBefore + 2, 60_000)).toBe(true);
    // the job the victim held: its lock expired, the stalled check put it back, the survivor finished
    // it (analysed, or reported too_old when it waited longer than maxFrameAgeMs); not stuck, not lost
    expect(await waitFor(() => killedIds.every((id) => stalled.has(id) && finished.has(id)), 60_000), `jobs ${killedIds}: stalled ${[...stalled]}`).toBe(true);
    for (const id of killedIds) expect(finished.get(id)).toContain(name(survivor));

    // stop the camera: nothing stays active or waiting
    await ingest.close();
    expect(await waitFor(async () => {
      const c = await frames.getJobCounts('active', 'waiting', 'delayed');
      return c.active === 0 && c.waiting === 0 && c.delayed === 0;
    }, 60_000)).toBe(true);
    survivor.kill('SIGTERM');
  }, 300_000);
});
