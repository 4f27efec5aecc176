/**
 * Soak test (not a CI gate): `npm run bench:soak -- --minutes 10`.
 * Two RTSP cameras (GStreamer server, support/rtsp-server.ts), the hub (dashboard + alerts),
 * two vision workers and the ingest, each its own process with its ops endpoint; a Socket.IO
 * client connected to the dashboard; an alert rule for unknown faces posting webhooks to a
 * local receiver. Every --sample-s seconds: RSS and TF.js tensors of every role (from their
 * /metrics), Redis used_memory (a private redis-server, so the figure is ours alone), latency
 * p95 over the last interval (hub histogram: a bucket upper bound; identified = capture to
 * identity, emitted = capture of a track's last face to its sighting event). Prints a table per sample and start vs end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import YAML from 'yaml';
import { alertRuleInputSchema } from '../src/contracts/alert-rule.schema.js';
import { DataStore } from '../src/store/data.store.js';
import { PrivateRedis } from '../support/private-redis.js';
import { freePort, RtspTestServer } from '../support/rtsp-server.js';
import { formatKeyGroups, redisKeyGroups } from './redis-keys.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(process.env.FACESTREAM_TEST_DATA ?? path.resolve(repoRoot, '../shared/data'));
const dataPath = (...parts: string[]): string => path.resolve(dataDir, ...parts);

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    'sample-s': { type: 'string', default: '60' },
    fps: { type: 'string', default: '1' },
  },
});
const minutes = Number(args.minutes), sampleS = Number(args['sample-s']), fps = Number(args.fps);
if (!(minutes > 0) || !(sampleS > 0) || !(fps > 0)) throw new Error('--minutes, --sample-s and --fps must be positive numbers');

type RoleName = 'hub' | 'vision1' | 'vision2' | 'ingest';
interface Sample { t: number; rssMb: Record<string, number>; tensors: Record<string, number>; redisMb: number; p95: number; p95Identified: number; framesIn: number; processed: number; sightings: number; webhooks: number; dropped: number }

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Prometheus text -> sum of each metric's samples matching a label filter. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** Histogram buckets (cumulative counts by le) of one stage. */
function buckets(text: string, stage: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = /^facestream_stage_latency_seconds_bucket\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!m || !m[1]!.includes(`stage="${stage}"`)) continue;
    const le = /le="([^"]+)"/.exec(m[1]!)![1]!;
    out.set(le === '+Inf' ? Infinity : Number(le), Number(m[2]));
  }
  return out;
}

/** p95 upper bound from the bucket deltas between two scrapes (NaN when nothing was observed). */
function p95(prev: Map<number, number>, cur: Map<number, number>): number {
  const les = [...cur.keys()].sort((a, b) => a - b);
  const total = (cur.get(Infinity) ?? 0) - (prev.get(Infinity) ?? 0);
  if (total <= 0) return NaN;
  for (const le of les) if ((cur.get(le)! - (prev.get(le) ?? 0)) >= 0.95 * total) return le;
  return Infinity;
}

/**
 * Plateau check: each level metric's change over the first third of the run against its change
 * over the last third (a leak keeps its slope; a bounded cache or retention flattens out).
 * RSS and Redis in MB, tensors in count; the last third starting at >= 2/3 of the run.
 */
function plateau(samples: Sample[]): string {
  const end = samples[samples.length - 1]!.t;
  const at = (t: number) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), samples[0]!);
  const [a, b, c, d] = [samples[0]!, at(end / 3), at((2 * end) / 3), samples[samples.length - 1]!];
  const levels: [string, (s: Sample) => number][] = [
    ['redis MB', (s) => s.redisMb],
    ...Object.keys(a.rssMb).map((r): [string, (s: Sample) => number] => [`rss ${r} MB`, (s) => s.rssMb[r]!]),
    ...Object.keys(a.tensors).map((r): [string, (s: Sample) => number] => [`tensors ${r}`, (s) => s.tensors[r]!]),
  ];
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${Number.isInteger(v) ? v : v.toFixed(1)}`;
  const lines = levels.map(([name, f]) => `${name}: ${signed(f(b) - f(a))} (min ${a.t.toFixed(1)}-${b.t.toFixed(1)}) vs ${signed(f(d) - f(c))} (min ${c.t.toFixed(1)}-${d.t.toFixed(1)}); last ${f(d).toFixed(name.startsWith('tensors') ? 0 : 1)}`);
  return ['plateau: change over the first third vs over the last third of the run', ...lines].join('\n');
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'fs-soak-'));
  const children: ChildProcess[] = [];
  const cleanups: (() => unknown)[] = [() => rmSync(work, { recursive: true, force: true })];
  try {
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.stop());
    const cams = await Promise.all([dataPath('video/single_person_480p.mkv'), dataPath('video/hamilton_360p.mp4')].map((f) => RtspTestServer.start(f)));
    for (const c of cams) cleanups.push(() => c.stop());

    // webhook receiver
    let webhooks = 0;
    const receiver = createServer((req, res) => { req.resume(); req.on('end', () => { webhooks++; res.writeHead(204).end(); }); });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    cleanups.push(() => new Promise((ok) => receiver.close(ok)));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

    // store prepared before the hub opens it: an admin key for the socket, a rule for unknown faces
    const dataDir = path.join(work, 'data');
    const store = DataStore.open(dataDir);
    const { key } = store.keys.create('admin', 'soak');
    store.alertRules.create(alertRuleInputSchema.parse({ version: 1, name: 'strangers', kind: 'unknown', cooldownS: 30, webhook: { url: receiverUrl, crop: 'none' } }));
    store.close();

    const ports: Record<RoleName, number> = { hub: await freePort(), vision1: await freePort(), vision2: await freePort(), ingest: await freePort() };
    const apiPort = await freePort();
    const configFile = path.join(work, 'facestream.yaml');
    writeFileSync(configFile, YAML.stringify({
      redis: { url: redis.url, prefix: 'soak' },
      data: { dir: dataDir },
      log: { level: 'warn' },
      detector: { model: 'tiny', inputSize: 320 },
      api: { port: apiPort },
      // the webhook receiver listens on loopback (refused by default)
      notify: { allowPrivateTargets: true },
      ingest: { cameras: cams.map((c, i) => ({ id: `cam${i + 1}`, url: c.url, sampleFps: fps })) },
    }));
    const start = (role: RoleName, worker: 'hub' | 'vision' | 'ingest') => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, `workers/${worker}.ts`)], {
        cwd: repoRoot, env: { ...process.env, FACESTREAM_CONFIG: configFile, FACESTREAM_OPS_PORT: String(ports[role]) }, stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      child.once('exit', (code, signal) => { if (!stopping) console.error(`soak: ${role} exited early (${code ?? signal})`); });
    };
    let stopping = false;
    start('hub', 'hub');
    start('vision1', 'vision');
    start('vision2', 'vision');
    start('ingest', 'ingest');

    const scrape = async (role: RoleName): Promise<string> => {
      const r = await fetch(`http://127.0.0.1:${ports[role]}/metrics`);
      return r.text();
    };
    // ready: every role answers /health/ready
    const deadline = Date.now() + 180_000;
    for (const role of Object.keys(ports) as RoleName[]) {
      for (;;) {
        if (Date.now() > deadline) throw new Error(`${role} not ready after 3 min`);
        try { if ((await fetch(`http://127.0.0.1:${ports[role]}/health/ready`)).ok) break; } catch { /* starting */ }
        await sleep(1000);
      }
    }
    const socket = io(`http://127.0.0.1:${apiPort}`, { auth: { key }, transports: ['websocket'] });
    let socketEvents = 0;
    socket.onAny(() => { socketEvents++; });
    cleanups.push(() => socket.close());

    const probe = new Redis(redis.url);
    cleanups.push(() => probe.disconnect());
    const samples: Sample[] = [];
    let prevBuckets = new Map<number, number>();
    let prevIdentified = new Map<number, number>();
    const t0 = Date.now();
    const take = async (): Promise<Sample> => {
      const texts = Object.fromEntries(await Promise.all((Object.keys(ports) as RoleName[]).map(async (r) => [r, await scrape(r)] as const))) as Record<RoleName, string>;
      const cur = buckets(texts.hub, 'emitted');
      const curIdentified = buckets(texts.hub, 'identified');
      const s: Sample = {
        t: (Date.now() - t0) / 60_000,
        rssMb: Object.fromEntries(Object.entries(texts).map(([r, t]) => [r, metric(t, 'process_resident_memory_bytes') / 2 ** 20])),
        tensors: Object.fromEntries(Object.entries(texts).filter(([r]) => r !== 'ingest').map(([r, t]) => [r, metric(t, 'facestream_tf_tensors')])),
        redisMb: Number(/used_memory:(\d+)/.exec(await probe.info('memory'))![1]) / 2 ** 20,
        p95: p95(prevBuckets, cur),
        p95Identified: p95(prevIdentified, curIdentified),
        framesIn: metric(texts.ingest, 'facestream_frames_in_total'),
        processed: metric(texts.vision1, 'facestream_frames_processed_total') + metric(texts.vision2, 'facestream_frames_processed_total'),
        sightings: metric(texts.hub, 'facestream_stage_latency_seconds_count', { stage: 'emitted' }),
        webhooks,
        dropped: metric(texts.ingest, 'facestream_frames_dropped_total'),
      };
      prevBuckets = cur;
      prevIdentified = curIdentified;
      return s;
    };
    const row = (s: Sample) => [s.t.toFixed(1), ...Object.values(s.rssMb).map((v) => v.toFixed(0)), ...Object.values(s.tensors).map(String), s.redisMb.toFixed(1), Number.isFinite(s.p95Identified) ? `≤${s.p95Identified}` : '-', Number.isFinite(s.p95) ? `≤${s.p95}` : '-', s.framesIn, s.processed, s.dropped, s.sightings, s.webhooks].join(' | ');
    const header = 'min | rss hub MB | rss vision1 | rss vision2 | rss ingest | tensors hub | tensors v1 | tensors v2 | redis MB | identified p95 s | emitted p95 s | frames in | frames processed | dropped | sightings emitted | webhooks';
    console.log(`soak: ${minutes} min, 2 RTSP cameras at ${fps} fps, 2 vision workers, hub + dashboard socket + webhook rule; sample every ${sampleS} s`);
    console.log(header);
    samples.push(await take());
    console.log(row(samples[0]!));
    while (Date.now() - t0 < minutes * 60_000) {
      await sleep(Math.min(sampleS * 1000, t0 + minutes * 60_000 - Date.now()));
      samples.push(await take());
      console.log(row(samples[samples.length - 1]!));
    }
    const first = samples[0]!, last = samples[samples.length - 1]!;
    const atTen = samples.reduce((best, s) => (Math.abs(s.t - 10) < Math.abs(best.t - 10) ? s : best), first);
    console.log(`\nstart vs ${atTen === first || atTen === last ? '' : `${atTen.t.toFixed(0)} min vs `}end`);
    console.log(header);
    for (const s of new Set([first, atTen, last])) console.log(row(s));
    console.log(`\n${plateau(samples)}`);
    console.log(`\nredis keys at the end (used_memory ${last.redisMb.toFixed(1)} MB)`);
    console.log(formatKeyGroups(await redisKeyGroups(probe)));
    console.log(`socket.io events received: ${socketEvents}; alive roles at end: ${children.filter((c) => c.exitCode === null).length}/4`);
    stopping = true;
    const exits = await Promise.all(children.map((c) => new Promise<string>((ok) => {
      const t = setTimeout(() => { c.kill('SIGKILL'); ok('SIGKILL after 30 s'); }, 30_000);
      c.once('exit', (code, sig) => { clearTimeout(t); ok(String(code ?? sig)); });
      c.kill('SIGTERM');
    })));
    console.log(`exit codes after SIGTERM (hub, vision1, vision2, ingest): ${exits.join(', ')}`);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } }
  }
}

await main();
