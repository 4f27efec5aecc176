/**
 * `facestream run` with vision.processes: the vision worker is a child process (its own event
 * loop and engine), the run process serves its metrics and reports it in readiness, a killed
 * child is restarted, SIGTERM
 * stops everything, and a child whose parent was SIGKILLed stops by itself. Real Redis, ffmpeg,
 * engine, a real clip as the camera (workers/all.ts = facestream run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { dataPath, repoRoot } from '../helpers/data.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { freePort } from '../../support/rtsp-server.js';

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, ms: number, everyMs = 50): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() > end) return v;
    await sleep(everyMs);
  }
}
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
/** Child processes of `pid` running the vision child entry point. */
function visionChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
      .filter((c) => { try { return readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('vision-child'); } catch { return false; } });
  } catch { return []; }
}
/** facestream_frames_processed_total summed over cameras, from the run process's /metrics. */
async function processed(port: number): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const values = [...text.matchAll(/^facestream_frames_processed_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)].map((m) => Number(m[1]));
    return values.length ? values.reduce((a, b) => a + b, 0) : 0;
  } catch { return undefined; }
}

describe('facestream run: vision in child processes (vision.processes)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'fst-run-processes-'));
  const prefixes: string[] = [];
  const spawned: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const p of prefixes) await cleanupPrefix(sharedRedisUrl, p);
    rmSync(work, { recursive: true, force: true });
  });

  async function start(name: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
    const prefix = uniquePrefix(`run-${name}`);
    prefixes.push(prefix);
    const port = await freePort();
    const configFile = path.join(work, `${name}.yaml`);
    writeFileSync(configFile, YAML.stringify({
      redis: { url: sharedRedisUrl, prefix },
      data: { dir: path.join(work, `data-${name}`) },
      log: { level: 'warn' },
      dashboard: { enabled: false },
      ops: { host: '127.0.0.1', port },
      vision: { processes: 1, maxFrameAgeMs: 30_000 },
      ingest: { cameras: [{ id: 'stage', url: dataPath('video/hamilton_360p.mp4'), sampleFps: 2 }] },
    }));
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'workers/all.ts')], {
      cwd: repoRoot, env: { ...process.env, FACESTREAM_CONFIG: configFile }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.push(child);
    child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    return { child, port, output: () => output.slice(-3000) };
  }

  it('frames are analysed by the child and counted in the run process\'s /metrics; a killed child is replaced; SIGTERM stops all', async () => {
    const { child, port, output } = await start('main');
    const first = await waitFor(() => { const c = visionChildren(child.pid!); return c.length === 1 ? c[0] : undefined; }, 30_000);
    expect(first, output()).toBeDefined();
    // only the child analyses frames: the parent's /metrics has them through the IPC aggregation
    const n1 = await waitFor(async () => { const n = await processed(port); return n && n >= 3 ? n : undefined; }, 120_000);
    expect(n1, output()).toBeGreaterThanOrEqual(3);

    const ready = async () => { const r = await fetch(`http://127.0.0.1:${port}/health/ready`); return { status: r.status, body: await r.text() }; };
    expect((await ready()).status).toBe(200);

    process.kill(first!, 'SIGKILL');
    // until it is restarted (1 s later) readiness names the missing vision process
    const notReady = await waitFor(async () => { const r = await ready(); return r.status === 503 ? r.body : undefined; }, 1500);
    expect(notReady, 'readiness stayed 200 while no vision process ran').toContain('vision');
    const second = await waitFor(() => { const c = visionChildren(child.pid!).filter((p) => p !== first); return c.length === 1 ? c[0] : undefined; }, 30_000);
    expect(second, output()).toBeDefined();
    expect(visionChildren(child.pid!)).toEqual([second]);
    // the new child analyses frames too (its counter starts again from 0 in the sum)
    const n2 = await waitFor(async () => { const n = await processed(port); return n && n >= 3 ? n : undefined; }, 120_000);
    expect(n2, output()).toBeGreaterThanOrEqual(3);
    expect((await ready()).status).toBe(200);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
    expect(code, output()).toBe(0);
    expect(alive(second!)).toBe(false);
  }, 300_000);

  it('a child whose run process was SIGKILLed stops by itself', async () => {
    const { child, output } = await start('orphan');
    const pid = await waitFor(() => { const c = visionChildren(child.pid!); return c.length === 1 ? c[0] : undefined; }, 30_000);
    expect(pid, output()).toBeDefined();
    child.kill('SIGKILL');
    const gone = await waitFor(() => (alive(pid!) ? undefined : true), 60_000);
    expect(gone, `vision child ${pid} still running after its parent was killed`).toBe(true);
  }, 120_000);
});
