/**
 * Load on one API process (`facestream serve`: REST API + the engine on its thread): 100
 * concurrent identify requests of a real photo plus six 49-megapixel PNGs (7000x7000, a few kB
 * each: the attack of issue 28), while /health/live is polled every 50 ms. Reports the process's
 * RSS (idle baseline after warm-up, peak during the load, settled 20 s after it), the answers
 * (200 / 429 E_BUSY / other) and /health/live latency during the load.
 *
 *   npm run bench:hub-load                      (builds first; defaults)
 *   npm run bench:hub-load -- --requests 100 --bombs 6 --settle 20
 *
 * Two runs, one server each: the default environment and MALLOC_ARENA_MAX=2 (glibc keeps fewer
 * per-thread malloc arenas, so memory freed after sharp's decoding threads goes back; the
 * container images set it).
 *
 * Targets (issue 28): settled RSS within 100 MB of the idle baseline; /health/live p95 < 200 ms.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const root = path.resolve(import.meta.dirname, '..');
const { values: opts } = parseArgs({ options: {
  requests: { type: 'string', default: '100' }, bombs: { type: 'string', default: '6' }, settle: { type: 'string', default: '20' },
} });
const nRequests = Number(opts.requests), nBombs = Number(opts.bombs), settleS = Number(opts.settle);

const freePort = (): Promise<number> => new Promise((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => ok(p)); });
});
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN; };

const results: { label: string; rows: [string, string][] }[] = [];
for (const [label, extra] of [['default', {}], ['MALLOC_ARENA_MAX=2', { MALLOC_ARENA_MAX: '2' }]] as const) results.push({ label, rows: await runOnce(extra) });
const w = Math.max(...results[0]!.rows.map(([k]) => k.length));
console.log(`\nhub load (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${nRequests} identify photos + ${nBombs} 49 MP PNGs at once, api defaults)\n`);
console.log(`| ${'measure'.padEnd(w)} | ${results.map((r) => r.label).join(' | ')} |\n|${'-'.repeat(w + 2)}|${results.map(() => '---').join('|')}|`);
results[0]!.rows.forEach(([k], i) => console.log(`| ${k.padEnd(w)} | ${results.map((r) => r.rows[i]![1]).join(' | ')} |`));

async function runOnce(extraEnv: Record<string, string>): Promise<[string, string][]> {
const dataDir = mkdtempSync(path.join(tmpdir(), 'fst-hub-load-'));
const port = await freePort();
const configFile = path.join(dataDir, 'config.yaml');
writeFileSync(configFile, `data:\n  dir: ${JSON.stringify(path.join(dataDir, 'data'))}\napi:\n  host: 127.0.0.1\n  port: ${port}\nlog:\n  level: warn\n`);
const bin = path.join(root, 'bin/facestream.js');
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FACESTREAM_') && k !== 'MALLOC_ARENA_MAX')), FACESTREAM_CONFIG: configFile, ...extraEnv };
const key = execFileSync(process.execPath, [bin, 'keys', 'create', '--role', 'viewer'], { env, encoding: 'utf8' }).trim();

const server = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if (i > 600) throw new Error('the server did not answer /health/live within 60 s');
    try { if ((await fetch(`${base}/health/live`)).ok) break; } catch { /* not yet */ }
    await sleep(100);
  }
  const photo = readFileSync(path.join(root, 'examples/gallery/obama/obama.jpg'));
  const bomb = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: { r: 120, g: 90, b: 70 } } }).png({ compressionLevel: 9 }).toBuffer();
  const identify = async (bytes: Buffer, name: string): Promise<number> => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: name.endsWith('.png') ? 'image/png' : 'image/jpeg' }), name);
    const r = await fetch(`${base}/api/identify`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
    await r.arrayBuffer();
    return r.status;
  };

  // warm-up: the engine's first photos (models compiled, memory for a normal photo), then idle
  for (let i = 0; i < 3; i++) await identify(photo, 'warm.jpg');
  await sleep(5000);
  const baseline = rssMb(server.pid!);

  let peak = baseline, polling = true;
  const health: number[] = [];
  const sampler = setInterval(() => { peak = Math.max(peak, rssMb(server.pid!)); }, 100);
  const prober = (async () => {
    while (polling) {
      const t0 = performance.now();
      await fetch(`${base}/health/live`).then((r) => r.arrayBuffer()).catch(() => undefined);
      health.push(performance.now() - t0);
      await sleep(50);
    }
  })();
  const t0 = performance.now();
  // the bombs first: they reach the engine (the bound admits the first arrivals), the photos pile up behind
  const statuses = await Promise.all([
    ...Array.from({ length: nBombs }, () => identify(bomb, 'bomb.png')),
    ...Array.from({ length: nRequests }, () => identify(photo, 'obama.jpg')),
  ]);
  const bombStatuses = statuses.slice(0, nBombs), photoStatuses = statuses.slice(nBombs);
  const loadS = (performance.now() - t0) / 1000;
  polling = false;
  await prober;
  clearInterval(sampler);
  await sleep(settleS * 1000);
  const settled = rssMb(server.pid!);

  const answers = (xs: number[]) => `${xs.filter((s) => s === 200).length} / ${xs.filter((s) => s === 429).length} / ${xs.filter((s) => s !== 200 && s !== 429).length}`;
  const rows: [string, string][] = [
    ['49 MP PNGs answered 200 / 429 / other', answers(bombStatuses)],
    ['photos answered 200 / 429 / other', answers(photoStatuses)],
    ['load duration (s)', loadS.toFixed(1)],
    ['RSS idle baseline (MB)', baseline.toFixed(0)],
    ['RSS peak during load (MB)', peak.toFixed(0)],
    [`RSS settled ${settleS} s after (MB)`, settled.toFixed(0)],
    ['settled - baseline (MB; target < 100)', (settled - baseline).toFixed(0)],
    ['/health/live during load: probes', String(health.length)],
    ['/health/live p50 / p95 / max (ms; target p95 < 200)', `${pct(health, 0.5).toFixed(1)} / ${pct(health, 0.95).toFixed(1)} / ${Math.max(...health).toFixed(1)}`],
  ];
  return rows;
} finally {
  server.kill('SIGTERM');
  await new Promise((ok) => server.once('exit', ok));
  rmSync(dataDir, { recursive: true, force: true });
}
}
