import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { HealthServer } from '../../src/ops/health.server.js';
import { MaintenanceScheduler } from '../../src/ops/maintenance.scheduler.js';
import type { PurgeReport } from '../../src/ops/retention.service.js';
import { MaintenanceQueue } from '../../src/queue/maintenance.queue.js';
import { createRedis } from '../../src/queue/redis.connection.js';
import { RedisProbe } from '../../src/queue/redis.probe.js';
import { DataStore } from '../../src/store/data.store.js';
import { dataPath, repoRoot } from '../helpers/data.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { freePort } from '../../support/rtsp-server.js';

const logger = pino({ level: 'silent' });
const cleanups: (() => unknown)[] = [];
afterAll(async () => { for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } } });

/** `facestream <args>` from the TypeScript sources, as a child process. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const script = `import('./src/cli/main.ts').then((m) => m.main([process.argv[0], 'facestream', ...JSON.parse(process.env.FS_ARGS)]))`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: repoRoot, encoding: 'utf8', timeout: 90_000,
    env: { ...process.env, FACESTREAM_CONFIG: '', FS_ARGS: JSON.stringify(args), ...env },
  });
}

const tmp = () => { const d = mkdtempSync(path.join(tmpdir(), 'fs-ops-')); cleanups.push(() => rmSync(d, { recursive: true, force: true })); return d; };

describe('ops HTTP server', () => {
  it('live always; ready 200 only when every check passes, 503 naming the failing one; draining = 503; /metrics is Prometheus text', async () => {
    const registry = new Registry();
    new Counter({ name: 'facestream_test_total', help: 'test', registers: [registry] }).inc(3);
    let storeOk = true;
    const redis = new RedisProbe(sharedRedisUrl);
    cleanups.push(() => redis.close());
    const server = new HealthServer({
      host: '127.0.0.1', port: await freePort(), registry, logger, checkTimeoutMs: 1000,
      checks: [redis, { name: 'store', check: () => { if (!storeOk) throw new Error('data dir read-only'); } }],
    });
    const port = await server.start();
    cleanups.push(() => server.close());
    const url = (p: string) => `http://127.0.0.1:${port}${p}`;
    expect((await fetch(url('/health/live'))).status).toBe(200);
    const ready = await fetch(url('/health/ready'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: { ok: true }, store: { ok: true } } });
    storeOk = false;
    const notReady = await fetch(url('/health/ready'));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ checks: { redis: { ok: true }, store: { ok: false, error: 'data dir read-only' } } });
    const metrics = await fetch(url('/metrics'));
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('facestream_test_total 3');
    expect((await fetch(url('/nope'))).status).toBe(404);
    storeOk = true;
    server.drain();
    expect((await fetch(url('/health/ready'))).status).toBe(503);
    await server.close();
    await server.close();
  });

  it('a check that hangs fails after the timeout instead of hanging the probe; unreachable Redis is not ready', async () => {
    const deadRedis = new RedisProbe(`redis://127.0.0.1:${await freePort()}`);
    cleanups.push(() => deadRedis.close());
    const server = new HealthServer({
      host: '127.0.0.1', port: 0, registry: new Registry(), logger, checkTimeoutMs: 500,
      checks: [deadRedis, { name: 'slow', check: () => new Promise<void>(() => {}) }],
    });
    const port = await server.start();
    cleanups.push(() => server.close());
    const r = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(r.status).toBe(503);
    const body = await r.json() as { checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.checks.redis!.ok).toBe(false);
    expect(body.checks.slow).toEqual({ ok: false, error: 'no answer within 500 ms' });
  });
});

describe('maintenance scheduler (real Redis, BullMQ job scheduler)', () => {
  it('runs retention on the schedule, once per deployment however often the hub restarts', async () => {
    const prefix = uniquePrefix('maint');
    cleanups.push(() => cleanupPrefix(sharedRedisUrl, prefix));
    const runs: number[] = [];
    const report: PurgeReport = { dryRun: false, cutoffs: {}, sightings: 0, unknownSightings: 0, alerts: 0, crops: 0, orphanCrops: 0 };
    const make = () => {
      const connection = createRedis(sharedRedisUrl);
      cleanups.push(() => connection.quit());
      const queue = new MaintenanceQueue(connection, prefix);
      const s = Object.assign(new MaintenanceScheduler({ queue, intervalMs: 60 * 60_000, logger, retention: () => { runs.push(Date.now()); return report; } }), { queue });
      cleanups.push(() => s.close());
      return s;
    };
    const first = make();
    await first.start();
    // the first run of a scheduler is immediate, the next one an hour later
    await expect.poll(() => runs.length, { timeout: 20_000, interval: 200 }).toBe(1);
    await first.close();
    const second = make();
    await second.start();
    expect(await second.queue.queue.getJobSchedulersCount()).toBe(1);
    await new Promise((ok) => setTimeout(ok, 1500));
    expect(runs.length).toBe(1);
    await second.close();
  }, 60_000);
});

describe('facestream doctor / purge (CLI)', () => {
  it('doctor: all fine -> exit 0 with every check listed', () => {
    const dir = tmp();
    const config = path.join(dir, 'ok.yaml');
    writeFileSync(config, YAML.stringify({ redis: { url: sharedRedisUrl }, data: { dir: path.join(dir, 'data') }, ingest: { cameras: [{ id: 'file1', url: dataPath('video/single_person_480p.mkv') }] } }));
    const r = cli(['doctor', '-c', config, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(out.ok).toBe(true);
    expect(out.checks.map((c) => c.name)).toEqual(['backend', 'models', 'ffmpeg', 'redis', 'camera file1', 'data dir']);
  }, 120_000);

  it('doctor: unreachable Redis and camera -> non-zero, each with a fix, the camera password masked', async () => {
    const dir = tmp();
    const config = path.join(dir, 'bad.yaml');
    const closed = await freePort();
    writeFileSync(config, YAML.stringify({
      redis: { url: `redis://:redispw@127.0.0.1:${closed}` }, data: { dir: path.join(dir, 'data') },
      ingest: { cameras: [{ id: 'door', url: `rtsp://admin:hunter2secret@127.0.0.1:${closed}/live` }] },
    }));
    const r = cli(['doctor', '-c', config, '--camera-timeout', '2']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/FAIL\s+redis/);
    expect(r.stdout).toMatch(/FAIL\s+camera door\s+rtsp:\/\/\*\*\*:\*\*\*@127\.0\.0\.1/);
    expect(r.stdout).toContain('fix: start Redis');
    expect(r.stdout + r.stderr).not.toContain('hunter2secret');
    expect(r.stdout + r.stderr).not.toContain('redispw');
  }, 120_000);

  it('purge --before: dry run counts, the real run deletes rows and crops', () => {
    const dir = tmp();
    const store = DataStore.open(dir);
    mkdirSync(path.join(dir, 'crops', 'sightings'), { recursive: true });
    for (const [at, crop] of [['2024-01-10T00:00:00Z', true], ['2024-03-01T00:00:00Z', true]] as const) {
      const s = store.sightings.add({ cameraId: 'c', personId: null, label: 'unknown', firstSeen: at, lastSeen: at, maxScore: 0.5, meanScore: 0.5, frames: 2 });
      if (crop) { writeFileSync(path.join(dir, 'crops', 'sightings', `${s.id}.jpg`), 'x'); store.sightings.update(s.id, { cropPath: `crops/sightings/${s.id}.jpg` }); }
    }
    store.close();
    const dry = cli(['purge', '--data-dir', dir, '--before', '2024-02-01', '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, sightings: 1, crops: 1 });
    const real = cli(['purge', '--data-dir', dir, '--before', '2024-02-01']);
    expect(JSON.parse(real.stdout)).toMatchObject({ dryRun: false, sightings: 1, crops: 1 });
    const after = DataStore.open(dir);
    expect(after.sightings.search().total).toBe(1);
    after.close();
    const bad = cli(['purge', '--data-dir', dir, '--before', 'soon']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('not a date');
  }, 120_000);
});
