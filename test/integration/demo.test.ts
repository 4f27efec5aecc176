import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/data.js';
import { sharedRedisUrl } from '../helpers/redis.js';
import { freePort } from '../../support/rtsp-server.js';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const waitFor = async (cond: () => boolean | Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond()) return true; await new Promise((ok) => setTimeout(ok, 500)); }
  return cond();
};

describe('npm run demo (scripts/demo.mjs)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fst-demo-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the clip, enrolls the gallery, runs every role with the API; a sighting of Lin appears; SIGINT stops every child', async () => {
    const port = await freePort();
    const demo = spawn(process.execPath, [resolve(repoRoot, 'scripts/demo.mjs'), '--port', String(port), '--data-dir', dataDir], {
      cwd: repoRoot, env: { ...process.env, REDIS_URL: sharedRedisUrl }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    demo.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((ok) => demo.once('exit', (code) => ok(code)));
    try {
      // the last line of the ready block: its lines are separate writes and may arrive in separate chunks
      expect(await waitFor(() => /press Ctrl-C to stop/.test(out) || demo.exitCode !== null, 110_000), out).toBe(true);
      expect(out).toMatch(/demo: ready/);
      expect(out).toMatch(/enrolling 6 people/);
      expect(out).toContain(`dashboard:     http://127.0.0.1:${port}/`);
      const key = /admin API key: (\S+)/.exec(out)?.[1];
      expect(key, out).toBeTruthy();

      const sightings = async () => {
        const r = await fetch(`http://127.0.0.1:${port}/api/sightings?limit=50`, { headers: { authorization: `Bearer ${key}` } });
        return r.ok ? ((await r.json()) as { items: { label: string }[] }).items : [];
      };
      expect(await waitFor(async () => (await sightings()).some((s) => s.label === 'lin_manuel_miranda'), 90_000), out).toBe(true);
      // the API refuses requests without the key
      expect((await fetch(`http://127.0.0.1:${port}/api/sightings`)).status).toBe(401);
    } finally {
      demo.kill('SIGINT');
    }
    expect(await Promise.race([exited, new Promise((ok) => setTimeout(() => ok('timeout'), 60_000))]), out).toBe(0);
    const pids = [...out.matchAll(/stopping .+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(pids.length, out).toBeGreaterThanOrEqual(2); // the roles and the RTSP server at least
    expect(pids.filter(alive)).toEqual([]);
    expect(out).toContain('demo: stopped');
  });
});
