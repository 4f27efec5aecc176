import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { queueNames } from '../../src/queue/keys.js';
import { createRedis } from '../../src/queue/redis.connection.js';
import { DataStore } from '../../src/store/data.store.js';
import { dataPath, repoRoot } from '../helpers/data.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { freePort } from '../../support/rtsp-server.js';

type RoleName = 'hub' | 'vision' | 'ingest';

interface Running { child: ChildProcess; output: () => string; port: number }

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function waitFor(cond: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if (await cond()) return true; } catch { /* not yet */ }
    await sleep(250);
  }
  return false;
}

/** Children of a pid with their command names (ps, procps). */
function childrenOf(pid: number): { pid: number; comm: string }[] {
  const r = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => { const [p, c] = l.split(/\s+/); return { pid: Number(p), comm: c ?? '' }; });
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  const r = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  const stat = r.stdout.trim();
  return stat.length > 0 && !stat.startsWith('Z');
}

const exitOf = (child: ChildProcess, ms: number): Promise<{ code: number | null; signal: string | null; timedOut: boolean }> =>
  new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok({ code: child.exitCode, signal: child.signalCode, timedOut: false });
    const t = setTimeout(() => ok({ code: null, signal: null, timedOut: true }), ms);
    child.once('exit', (code, signal) => { clearTimeout(t); ok({ code, signal, timedOut: false }); });
  });

/**
 * Every role as its own process (`node --import tsx workers/<role>.ts`), as deployed, against
 * real Redis (unique prefix), a real file camera looped by ffmpeg at 2 fps and a camera URL with
 * credentials that cannot connect (its password must never show up anywhere).
 */
describe('graceful shutdown and credential masking (child processes, real Redis, ffmpeg)', () => {
  const prefix = uniquePrefix('shutdown');
  const work = mkdtempSync(path.join(tmpdir(), 'fs-shutdown-'));
  const roles = new Map<RoleName, Running>();
  const cleanups: (() => unknown)[] = [() => cleanupPrefix(sharedRedisUrl, prefix), () => rmSync(work, { recursive: true, force: true })];
  afterAll(async () => {
    for (const r of roles.values()) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } }
  });

  const secretUrl = 'rtsp://viewer:s3cr3tPassw0rd@127.0.0.1:9/stream';
  let apiKey = '';
  let apiPort = 0;

  async function start(role: RoleName, configFile: string): Promise<void> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, `workers/${role}.ts`)], {
      cwd: repoRoot,
      env: { ...process.env, FACESTREAM_CONFIG: configFile, FACESTREAM_OPS_PORT: String(port), REDIS_URL: sharedRedisUrl, FACESTREAM_REDIS_URL: sharedRedisUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    roles.set(role, { child, port, output: () => out });
  }

  const get = (role: RoleName, p: string) => fetch(`http://127.0.0.1:${roles.get(role)!.port}${p}`);
  const metric = async (role: RoleName, name: string) => {
    const text = await (await get(role, '/metrics')).text();
    return text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' ')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  };

  it('every role becomes ready, serves /metrics and processes frames', async () => {
    const dataDir = path.join(work, 'data');
    const store = DataStore.open(dataDir);
    apiKey = store.keys.create('viewer', 'shutdown test').key;
    store.close();
    apiPort = await freePort();
    const configFile = path.join(work, 'facestream.yaml');
    writeFileSync(configFile, YAML.stringify({
      redis: { prefix },
      data: { dir: dataDir },
      log: { level: 'debug' },
      detector: { model: 'tiny', inputSize: 320 },
      api: { port: apiPort },
      vision: { maxFrameAgeMs: 30_000 },
      ingest: {
        backoffInitialMs: 200, backoffMaxMs: 1000,
        cameras: [
          { id: 'file1', url: dataPath('video/single_person_480p.mkv'), sampleFps: 2 },
          { id: 'locked', url: secretUrl, sampleFps: 1 },
        ],
      },
    }));
    // hub first (it owns the store), then workers
    await start('hub', configFile);
    await start('vision', configFile);
    await start('ingest', configFile);
    for (const role of ['hub', 'vision', 'ingest'] as const) {
      const ready = await waitFor(async () => (await get(role, '/health/ready')).ok, 90_000);
      expect(ready, `${role} ready; output:\n${roles.get(role)!.output().slice(-2000)}`).toBe(true);
      expect((await get(role, '/health/live')).status).toBe(200);
    }
    const body = await (await get('hub', '/health/ready')).json() as { checks: Record<string, { ok: boolean }> };
    expect(Object.keys(body.checks).sort()).toEqual(['models', 'redis', 'store']);
    expect(await waitFor(async () => (await metric('vision', 'facestream_frames_processed_total')) >= 2, 90_000)).toBe(true);
    expect(await metric('ingest', 'facestream_frames_in_total')).toBeGreaterThan(0);
    expect(await metric('vision', 'facestream_tf_tensors')).toBeGreaterThan(0);
    expect(await metric('vision', 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(childrenOf(roles.get('ingest')!.child.pid!).some((c) => c.comm === 'ffmpeg')).toBe(true);
  }, 180_000);

  it('the camera password never appears in logs, the camera status API or /metrics', async () => {
    // the locked camera has failed (connection refused) and been retried at least once by now
    const statusOk = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${apiPort}/api/cameras`, { headers: { authorization: `Bearer ${apiKey}` } });
      const text = await r.text();
      return r.ok && text.includes('locked');
    }, 30_000);
    expect(statusOk).toBe(true);
    const cameras = await (await fetch(`http://127.0.0.1:${apiPort}/api/cameras`, { headers: { authorization: `Bearer ${apiKey}` } })).text();
    expect(cameras).toContain('***');
    expect(cameras).not.toContain('s3cr3tPassw0rd');
    // the URL is logged (masked) on every failed attempt: a masking regression would show the password here
    expect(await waitFor(() => roles.get('ingest')!.output().includes('rtsp://***:***@127.0.0.1:9/stream'), 15_000)).toBe(true);
    for (const role of ['hub', 'vision', 'ingest'] as const) {
      expect(await (await get(role, '/metrics')).text()).not.toContain('s3cr3tPassw0rd');
      expect(roles.get(role)!.output(), role).not.toContain('s3cr3tPassw0rd');
    }
  }, 60_000);

  it('SIGTERM: each role exits 0, no ffmpeg child survives, no job is left active', async () => {
    const redis = createRedis(sharedRedisUrl);
    cleanups.push(() => redis.quit());
    const frames = new Queue(queueNames.frames, { connection: redis, prefix });
    const faces = new Queue(queueNames.faces, { connection: redis, prefix });
    cleanups.push(() => frames.close(), () => faces.close());

    // vision first, while the camera keeps feeding it: its in-flight frame is finished or handed back
    const vision = roles.get('vision')!.child;
    vision.kill('SIGTERM');
    const v = await exitOf(vision, 45_000);
    expect(v, roles.get('vision')!.output().slice(-2000)).toEqual({ code: 0, signal: null, timedOut: false });
    expect(await frames.getActiveCount()).toBe(0);

    const ingest = roles.get('ingest')!.child;
    const ffmpegs = childrenOf(ingest.pid!).filter((c) => c.comm === 'ffmpeg').map((c) => c.pid);
    expect(ffmpegs.length).toBeGreaterThan(0);
    ingest.kill('SIGTERM');
    const i = await exitOf(ingest, 45_000);
    expect(i, roles.get('ingest')!.output().slice(-2000)).toEqual({ code: 0, signal: null, timedOut: false });
    expect(await waitFor(() => ffmpegs.every((p) => !alive(p)), 5000), `ffmpeg pids ${ffmpegs.join(',')}`).toBe(true);

    const hub = roles.get('hub')!.child;
    hub.kill('SIGTERM');
    const h = await exitOf(hub, 45_000);
    expect(h, roles.get('hub')!.output().slice(-2000)).toEqual({ code: 0, signal: null, timedOut: false });
    expect(await faces.getActiveCount()).toBe(0);
    expect(await frames.getActiveCount()).toBe(0);
    for (const role of ['hub', 'vision', 'ingest'] as const) expect(roles.get(role)!.output(), role).not.toContain('s3cr3tPassw0rd');
  }, 180_000);
});
