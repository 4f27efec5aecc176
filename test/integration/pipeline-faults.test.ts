import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Queue } from 'bullmq';
import type { CameraStatus } from '../../src/contracts/camera.schema.js';
import { queueNames } from '../../src/queue/keys.js';
import { CameraStatusChannel } from '../../src/queue/camera-status.channel.js';
import { startIngestRole } from '../../src/roles/roles.js';
import { createRedis } from '../../src/queue/redis.connection.js';
import { dataPath } from '../helpers/data.js';
import { testConfig } from '../helpers/engine.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { PrivateRedis } from '../../support/private-redis.js';
import { RtspTestServer } from '../../support/rtsp-server.js';

const logger = pino({ level: 'silent' });
const waitFor = async (cond: () => boolean | Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond()) return true; await new Promise((ok) => setTimeout(ok, 200)); }
  return cond();
};

describe('ingest faults (real ffmpeg, real RTSP server, real Redis)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}); });

  function ingest(cameras: object[], extra: Record<string, unknown> = {}, redisUrl = sharedRedisUrl) {
    const prefix = uniquePrefix('faults');
    const config = testConfig({
      redis: { url: redisUrl, prefix },
      ingest: { cameras, stallTimeoutMs: 4000, backoffInitialMs: 300, backoffMaxMs: 2000, maxInFlightPerCamera: 3, ...extra },
    });
    const role = startIngestRole(config, { logger });
    const events: CameraStatus[] = [];
    role.manager.on('status', (s) => events.push(s));
    cleanups.push(() => cleanupPrefix(redisUrl, prefix), () => role.close());
    return { role, prefix, events, config };
  }

  it('RTSP server stopped and restarted: offline with a reason, then online again within the backoff bound; backpressure bounds the queue', async () => {
    const server = await RtspTestServer.start(dataPath('video/no_faces_overhead_432p.mp4'));
    cleanups.push(() => server.stop());
    const { role, prefix, events } = ingest([{ id: 'cam1', url: server.url.replace('rtsp://', 'rtsp://admin:hunter2@'), sampleFps: 4 }]);
    const state = () => role.manager.statuses()[0]!;
    expect(await waitFor(() => state().state === 'online' && state().framesTotal >= 6, 45_000)).toBe(true);
    // no vision worker runs: at most maxInFlightPerCamera frames wait, the rest are dropped
    const redis = createRedis(sharedRedisUrl);
    cleanups.push(() => redis.quit());
    const q = new Queue(queueNames.frames, { connection: redis, prefix });
    cleanups.push(() => q.close());
    expect(await q.getWaitingCount()).toBeLessThanOrEqual(3);
    expect(await waitFor(() => state().droppedTotal > 0, 30_000)).toBe(true);

    await server.stop();
    expect(await waitFor(() => state().state === 'offline', 40_000)).toBe(true);
    const reason = state().lastError!;
    expect(reason.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain('hunter2');
    await server.start();
    // bound: backoff cap 2 s + stall detection 4 s + ffmpeg connect, with a wide margin for a loaded machine
    expect(await waitFor(() => state().state === 'online', 60_000)).toBe(true);
    expect(state().reconnects).toBeGreaterThanOrEqual(1);
    const stored = await new CameraStatusChannel(redis, prefix).statuses();
    expect(stored[0]!.cameraId).toBe('cam1');
    expect(stored[0]!.url).toContain('***:***@');
  }, 240_000);

  it('a camera URL that does not resolve is offline with a clear reason while another camera keeps working; garbage bytes only cause reconnects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fst-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const garbage = join(dir, 'garbage.mp4');
    writeFileSync(garbage, randomBytes(200_000));
    const { role } = ingest([
      { id: 'bad', url: 'rtsp://no-such-host.invalid:554/stream', sampleFps: 2 },
      { id: 'junk', url: garbage, sampleFps: 2 },
      { id: 'good', url: dataPath('video/single_person_480p.mkv'), sampleFps: 2 },
    ]);
    const by = (id: string) => role.manager.statuses().find((s) => s.cameraId === id)!;
    expect(await waitFor(() => by('good').framesTotal >= 4 && by('bad').reconnects >= 1 && by('junk').reconnects >= 1, 30_000)).toBe(true);
    expect(by('bad').state).not.toBe('online');
    expect(by('bad').lastError).toMatch(/resolv|not known|Name|address/i);
    expect(by('junk').framesTotal).toBe(0);
    expect(by('junk').lastError).toBeTruthy();
    expect(by('good').state).toBe('online');
    await role.manager.removeCamera('bad');
    expect(role.manager.statuses().map((s) => s.cameraId).sort()).toEqual(['good', 'junk']);
  });

  it('survives a Redis restart: frames flow again after the server comes back', async () => {
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.stop());
    const { role } = ingest([{ id: 'cam1', url: dataPath('video/single_person_480p.mkv'), sampleFps: 4 }], {}, redis.url);
    const producer = role.producer;
    let published = 0;
    const orig = producer.publish.bind(producer);
    producer.publish = async (...a) => { const r = await orig(...a); published++; return r; };
    expect(await waitFor(() => published >= 3, 20_000)).toBe(true);
    await redis.stop();
    await new Promise((ok) => setTimeout(ok, 1500));
    await redis.start();
    const after = published;
    expect(await waitFor(() => published >= after + 3, 30_000)).toBe(true);
    expect(role.manager.statuses()[0]!.state).toBe('online');
  });
});
