// Stream pipeline throughput/latency on this machine (not a CI gate): npm run bench:pipeline
//   [-- --seconds 25] [--fps 5] [--quick] [--only 'name|name'] [--rounds N] [--workers 1,2,4,8 --cameras 4] [--cpu-prof DIR]
// --cpu-prof DIR: the vision processes write V8 CPU profiles (.cpuprofile) into DIR on exit.
// --rounds N: each selected configuration N times, alternating; each row is its median round.
// Every configuration runs the real roles against the local Redis (REDIS_URL): ingest and
// vision workers as their own processes (node --import tsx workers/*.ts, files as cameras read
// in real time by ffmpeg), the hub in this process on the real Gallery (people/gallery enrolled
// into a temp data dir). Side by side, the peer baseline (bench/peer-faceapi.ts) runs face-api's
// recommended per-frame pipeline on the same clips at the same fps. Prints a markdown table.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/config/index.js';
import type { FacesJob } from '../src/contracts/faces.schema.js';
import type { SightingUpdate } from '../src/contracts/sighting.schema.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import { galleryIdentifier } from '../src/identify/gallery.identifier.js';
import { openGallery, type Gallery } from '../src/identify/gallery.js';
import { startHubRole } from '../src/roles/roles.js';
import { createRedis, deletePrefix } from '../src/queue/redis.connection.js';
import { ProposalVectorsStore } from '../src/queue/proposal-vectors.store.js';
import type { HubFace } from '../src/track/hub.service.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const data = path.resolve(process.env.FACESTREAM_TEST_DATA ?? path.join(root, '../shared/data'));
const argv = process.argv.slice(2);
const arg = (name: string, def: number) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : def; };
const seconds = arg('seconds', 25);
const fps = arg('fps', 5);
const quick = argv.includes('--quick');
const rounds = arg('rounds', 1);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer');
const cpuProfDir = argv.includes('--cpu-prof') ? path.resolve(argv[argv.indexOf('--cpu-prof') + 1] ?? '.') : undefined;
const redisUrl = process.env.FACESTREAM_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clips = { hamilton: path.join(data, 'video/hamilton_360p.mp4'), crowd: path.join(data, 'video/crowd_walk_1080p.mp4') };
const galleryDir = path.join(data, 'people/gallery');
const target = 'lin_manuel_miranda';
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

interface Setup { name: string; cameras: string[]; workers: number; reembedEveryFrames?: number; env?: Record<string, string>; /** ingest and vision started as `facestream run` starts them (one process, vision in vision.processes children unless 0; the hub stays in the bench) */ together?: boolean }
const setups: Setup[] = quick
  ? [{ name: '1 cam, 1 worker', cameras: [clips.hamilton], workers: 1 }]
  : [
    { name: '1 cam (hamilton), 1 worker', cameras: [clips.hamilton], workers: 1 },
    // two witnesses (default) against ResNet-34 alone: what the confirmer costs
    { name: '1 cam (hamilton), 1 worker, single model', cameras: [clips.hamilton], workers: 1, env: { FACESTREAM_IDENTIFY_MODE: 'single' } },
    { name: '1 cam (hamilton), 1 worker, confirm every face', cameras: [clips.hamilton], workers: 1, env: { FACESTREAM_VISION_CONFIRM_WINDOW_MS: '0' } },
    { name: '1 cam (hamilton), 1 worker, confirmWindowMs 1000', cameras: [clips.hamilton], workers: 1, env: { FACESTREAM_VISION_CONFIRM_WINDOW_MS: '1000' } },
    { name: '1 cam (hamilton), 1 worker, confirmWindowMs 4000', cameras: [clips.hamilton], workers: 1, env: { FACESTREAM_VISION_CONFIRM_WINDOW_MS: '4000' } },
    { name: '2 cams (hamilton + crowd), 1 worker, single model', cameras: [clips.hamilton, clips.crowd], workers: 1, env: { FACESTREAM_IDENTIFY_MODE: 'single' } },
    { name: '1 cam (hamilton), 2 workers', cameras: [clips.hamilton], workers: 2 },
    { name: '2 cams (hamilton + crowd), 1 worker', cameras: [clips.hamilton, clips.crowd], workers: 1 },
    { name: '2 cams (hamilton + crowd), 2 workers', cameras: [clips.hamilton, clips.crowd], workers: 2 },
    { name: '1 cam (hamilton), 1 worker, reembedEveryFrames=1', cameras: [clips.hamilton], workers: 1, reembedEveryFrames: 1 },
    { name: '1 cam (hamilton), 1 worker, detector ssd', cameras: [clips.hamilton], workers: 1, env: { FACESTREAM_DETECTOR_MODEL: 'ssd' } },
    { name: '2 cams (hamilton + crowd), 1 worker, detector ssd', cameras: [clips.hamilton, clips.crowd], workers: 1, env: { FACESTREAM_DETECTOR_MODEL: 'ssd' } },
    { name: '2 cams (hamilton + crowd), 1 worker, reembedIou 0.5', cameras: [clips.hamilton, clips.crowd], workers: 1, env: { FACESTREAM_VISION_REEMBED_IOU: '0.5' } },
    { name: '2 cams (hamilton + crowd), ingest + vision in one process', cameras: [clips.hamilton, clips.crowd], workers: 1, together: true, env: { FACESTREAM_VISION_PROCESSES: '0' } },
    { name: '2 cams (hamilton + crowd), ingest + vision as facestream run starts them', cameras: [clips.hamilton, clips.crowd], workers: 1, together: true },
    { name: '2 cams (hamilton + crowd), 1 worker, concurrency 3', cameras: [clips.hamilton, clips.crowd], workers: 1, env: { FACESTREAM_VISION_CONCURRENCY: '3' } },
    { name: '2 cams (hamilton + crowd), 1 worker, concurrency 1', cameras: [clips.hamilton, clips.crowd], workers: 1, env: { FACESTREAM_VISION_CONCURRENCY: '1' } },
    { name: '1 cam (hamilton), 1 worker, wasmThreads 2', cameras: [clips.hamilton], workers: 1, env: { FACESTREAM_ENGINE_WASM_THREADS: '2' } },
    { name: '2 cams (hamilton + crowd), 1 worker, wasmThreads 2', cameras: [clips.hamilton, clips.crowd], workers: 1, env: { FACESTREAM_ENGINE_WASM_THREADS: '2' } },
    { name: '2 cams (hamilton + crowd), 1 worker, faceboxes maxSide 960', cameras: [clips.hamilton, clips.crowd], workers: 1, env: { FACESTREAM_DETECTOR_MAX_SIDE: '960' } },
    { name: '1 cam (hamilton), 1 worker, detector tiny', cameras: [clips.hamilton], workers: 1, env: { FACESTREAM_DETECTOR_MODEL: 'tiny' } },
  ];
// Scaling mode: `--workers 1,2,4,8 [--cameras 4]`: the same cameras (hamilton and crowd
// alternating) against 1, 2, 4 ... vision worker processes; prints analysed frames/s per count
// and the ratio to N x the one-worker figure.
const workerCounts = argv.includes('--workers') ? argv[argv.indexOf('--workers') + 1]!.split(',').map(Number) : undefined;
if (workerCounts && !workerCounts.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--workers takes positive integers, e.g. 1,2,4,8');
const cameraCount = arg('cameras', 4);
if (workerCounts) {
  const cams = Array.from({ length: cameraCount }, (_, i) => (i % 2 ? clips.crowd : clips.hamilton));
  setups.splice(0, setups.length, ...workerCounts.map((n) => ({ name: `${cameraCount} cams, ${n} worker${n > 1 ? 's' : ''}`, cameras: cams, workers: n })));
}
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]! : undefined;
// exact names, separated by '|'
const selected = only ? setups.filter((s) => only.split('|').includes(s.name)) : setups;

/** CPU seconds (user + system) and RSS of a process and its children (ffmpeg under ingest), from /proc. */
function procStats(pid: number): { cpu: number; rssMb: number } {
  const tick = 100;
  let cpu = 0, rss = 0;
  const visit = (p: number) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu += (Number(f[11]) + Number(f[12])) / tick;
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch { /* exited */ }
  };
  visit(pid);
  return { cpu, rssMb: rss };
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

function role(kind: 'ingest' | 'vision' | 'ingest+vision', env: NodeJS.ProcessEnv, extra: string[] = []): ChildProcess {
  const entry = kind === 'ingest+vision'
    ? ['--input-type=module', '-e', `import { runRolesMain } from ${JSON.stringify(pathToFileURL(path.join(root, 'src/roles/index.ts')).href)}; await runRolesMain(['vision', 'ingest'], process.argv.slice(1));`, '--']
    : [path.join(root, `workers/${kind}.ts`)];
  return spawn(process.execPath, [...(kind !== 'ingest' && cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []), '--import', 'tsx', ...entry, ...extra], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise<void>((ok) => {
    if (c.exitCode !== null || c.signalCode !== null) return ok();
    const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
    c.once('exit', () => { clearTimeout(t); ok(); });
    c.kill('SIGTERM');
  })));
}

interface Result {
  setup: Setup; processedFps: number; droppedFps: number; dropped: number; p50: number; p95: number; sightingP50: number;
  cpu: { ingest: number; vision: number[]; hub: number }; rss: { ingest: number; vision: number[]; hub: number };
  linFrames: number; linShown: number; camFrames: number; linSightings: number; otherSightings: number; embeddedPerFace: number;
  /** Faces the confirming model embedded (two witnesses), per embedded face. */
  confirmedPerEmbedded: number;
  /** With --rounds: processed fps of every round (this row is the median one). */
  rounds?: number[];
}

async function runSetup(setup: Setup, gallery: Gallery): Promise<Result> {
  const prefix = `fst-bench-${Date.now().toString(36)}`;
  const config = loadConfig({ env: {}, overrides: { redis: { url: redisUrl, prefix } } });
  const env: NodeJS.ProcessEnv = {
    ...process.env, FACESTREAM_REDIS_URL: redisUrl, FACESTREAM_REDIS_PREFIX: prefix, FACESTREAM_LOG_LEVEL: 'warn',
    ...(setup.reembedEveryFrames ? { FACESTREAM_VISION_REEMBED_EVERY_FRAMES: String(setup.reembedEveryFrames) } : {}),
    ...setup.env,
  };
  const hub = startHubRole(config, { logger: pino({ level: 'silent' }), identifier: galleryIdentifier(gallery.matcher) });
  // as the hub services do: the gallery's vectors for the vision workers' two-witness pre-filter
  const redis = createRedis(redisUrl, 'facestream-bench');
  await new ProposalVectorsStore(redis, prefix).publish(`bench@${gallery.revision()}`, gallery.index.dim, gallery.proposerVectors());
  await redis.quit();
  const frames: { job: FacesJob; faces: HubFace[]; at: number }[] = [];
  const sightings: { s: SightingUpdate; at: number }[] = [];
  hub.hub.on('frame', (job, faces) => frames.push({ job, faces, at: Date.now() }));
  hub.hub.on('sighting', (s) => sightings.push({ s, at: Date.now() }));
  const cameraArgs = [...setup.cameras.flatMap((c) => ['--camera', c]), '--fps', String(fps)];
  const vision = setup.together ? [role('ingest+vision', env, cameraArgs)] : Array.from({ length: setup.workers }, () => role('vision', env));
  const ingest = setup.together ? vision[0]! : role('ingest', env, cameraArgs);
  // warm-up: every worker has analysed a frame (models loaded, ffmpeg running)
  const names = vision.map((v) => `vision-${v.pid}`);
  const t0 = Date.now();
  // (a run-like process names its vision worker after the child that runs it: any analysed frame will do)
  const warm = () => (setup.together ? frames.some((f) => !f.job.skipped) : names.every((n) => frames.some((f) => f.job.worker === n && !f.job.skipped)));
  while (!warm() && Date.now() - t0 < 120_000) await sleep(250);
  await sleep(2000);
  const start = Date.now();
  const from = frames.length;
  const pids = { ingest: ingest.pid!, vision: vision.map((v) => v.pid!) };
  const before = { ingest: procStats(pids.ingest), vision: pids.vision.map(procStats), hub: process.cpuUsage() };
  await sleep(seconds * 1000);
  const wall = (Date.now() - start) / 1000;
  const after = { ingest: procStats(pids.ingest), vision: pids.vision.map(procStats), hub: process.cpuUsage(before.hub) };
  const window = frames.slice(from);
  const sWindow = sightings.filter((x) => x.at >= start && x.at <= start + wall * 1000);
  if (!setup.together) await stop([ingest]);
  await stop(vision);
  await hub.close();
  await deletePrefix(redisUrl, prefix);

  const analysed = window.filter((f) => !f.job.skipped);
  const dropped = window.length - analysed.length;
  const cam1 = analysed.filter((f) => f.job.cameraId === 'cam1');
  const faces = analysed.reduce((n, f) => n + f.job.faces.length, 0);
  return {
    setup,
    processedFps: analysed.length / wall,
    droppedFps: dropped / wall,
    dropped,
    p50: quantile(analysed.map((f) => (f.at - f.job.capturedAt) / 1000), 0.5),
    p95: quantile(analysed.map((f) => (f.at - f.job.capturedAt) / 1000), 0.95),
    sightingP50: quantile(sWindow.filter((x) => x.s.status === 'confirmed').map((x) => (x.at - x.s.lastSeen) / 1000), 0.5),
    cpu: {
      ingest: (100 * (after.ingest.cpu - before.ingest.cpu)) / wall,
      vision: after.vision.map((a, i) => (100 * (a.cpu - before.vision[i]!.cpu)) / wall),
      hub: (100 * (after.hub.user + after.hub.system)) / 1e6 / wall,
    },
    rss: { ingest: after.ingest.rssMb, vision: after.vision.map((v) => v.rssMb), hub: process.memoryUsage().rss / 2 ** 20 },
    linFrames: cam1.filter((f) => f.faces.some((x) => x.match?.name === target)).length,
    linShown: cam1.filter((f) => f.faces.some((x) => x.identity?.name === target)).length,
    camFrames: cam1.length,
    linSightings: new Set(sightings.filter((x) => x.s.name === target).map((x) => x.s.id)).size,
    // nobody else from the gallery is in either clip: any other name is a wrong one
    otherSightings: new Set(sightings.filter((x) => x.s.name && x.s.name !== target).map((x) => x.s.id)).size,
    embeddedPerFace: faces ? analysed.reduce((n, f) => n + f.job.faces.filter((x) => x.embedding).length, 0) / faces : 0,
    confirmedPerEmbedded: ((e) => (e ? analysed.reduce((n, f) => n + f.job.faces.filter((x) => x.confirmEmbedding).length, 0) / e : 0))(analysed.reduce((n, f) => n + f.job.faces.filter((x) => x.embedding).length, 0)),
  };
}

interface Peer { clip: string; frames: number; fps: number; faces: number; framesNamed: Record<string, number>; cpuPercent: number; rssMb: number }

function peer(): Peer[] {
  log('peer baseline: face-api SsdMobilenetv1 + landmarks + descriptors + FaceMatcher(0.6) on every frame');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/peer-faceapi.ts'), '--gallery', galleryDir, '--fps', String(fps), '--seconds', String(Math.min(seconds, 20)), clips.hamilton, ...(quick ? [] : [clips.crowd])], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`peer baseline failed (${r.status})`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Peer);
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

async function main(): Promise<void> {
  for (const c of Object.values(clips)) if (!existsSync(c)) throw new Error(`missing clip ${c}`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fst-bench-'));
  const config = loadConfig({ env: {}, overrides: { data: { dir: dataDir } } });
  const engine = await openFacePipeline(config);
  const gallery = openGallery({ dataDir, engine, settings: config.gallery });
  // the single-model configurations: the same people, named by ResNet-34 alone (identify.mode single)
  const singleDir = mkdtempSync(path.join(tmpdir(), 'fst-bench-single-'));
  const rules = engine.decisionRules;
  const singleEngine = Object.create(engine, { decisionRules: { value: { mode: 'single', single: rules.single } }, confirmModelId: { value: undefined } }) as typeof engine;
  const single = openGallery({ dataDir: singleDir, engine: singleEngine, settings: config.gallery });
  const galleryOf = (s: Setup) => (s.env?.FACESTREAM_IDENTIFY_MODE === 'single' ? single : gallery);
  try {
    for (const g of [gallery, single]) {
      for (const name of readdirSync(galleryDir).sort()) {
        const p = g.people.createPerson(name);
        for (const f of readdirSync(path.join(galleryDir, name))) await g.enrollment.enrollPhoto(p.id, path.join(galleryDir, name, f));
      }
    }
    // --rounds N: every selected configuration N times, alternating, so a noisy machine affects
    // all alike; each row is the round with the median processed fps, and lists every round's
    const runs = new Map<Setup, Result[]>();
    for (let round = 1; round <= rounds; round++) {
      for (const s of selected) {
        log(`${s.name}: ${seconds} s at ${fps} fps per camera${rounds > 1 ? `, round ${round} of ${rounds}` : ''}`);
        runs.set(s, [...(runs.get(s) ?? []), await runSetup(s, galleryOf(s))]);
      }
    }
    const results: Result[] = selected.map((s) => {
      const rs = [...runs.get(s)!].sort((a, b) => a.processedFps - b.processedFps);
      return { ...rs[Math.floor((rs.length - 1) / 2)]!, rounds: runs.get(s)!.map((r) => r.processedFps) };
    });
    if (workerCounts) {
      const one = results.find((r) => r.setup.workers === 1)?.processedFps;
      const lines = [`Machine: ${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}; wasm backend, ${config.detector.model} + ${config.embedder.model}; ${cameraCount} cameras at ${fps} fps (${cameraCount * fps} frames/s offered), ${seconds} s per worker count after warm-up.`, ''];
      lines.push('| vision workers | analysed frames/s | dropped frames/s | vs N x one worker | capture→hub p95 (s) | vision CPU % (sum) |', '|---|---|---|---|---|---|');
      for (const r of results) {
        const n = r.setup.workers;
        lines.push(`| ${n} | ${f1(r.processedFps)} | ${f1(r.droppedFps)} | ${one ? f2(r.processedFps / (n * one)) : '-'} | ${f2(r.p95)} | ${f1(r.cpu.vision.reduce((a, b) => a + b, 0))} |`);
      }
      process.stdout.write(lines.join('\n') + '\n');
      return;
    }
    const peers = peer();
    const load = loadavg().map((x) => x.toFixed(1)).join(' ');
    const out: string[] = [];
    out.push(`Machine: ${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), load average at the end ${load}; wasm backend, ${config.detector.model} + ${config.embedder.model}; ${fps} fps per camera, ${seconds} s per configuration after warm-up${rounds > 1 ? `; ${rounds} rounds alternating the configurations, each row the round with the median processed fps (every round's in brackets)` : ''}.`, '');
    // frames analysed per CPU-second of the vision processes; the peer's on the same clips (mean over the setup's cameras)
    const perCpu = (fps: number, cpuPercent: number) => (cpuPercent > 0 ? fps / (cpuPercent / 100) : NaN);
    const peerPerCpu = (cams: string[]) => {
      const xs = cams.map((c) => peers.find((p) => p.clip === path.basename(c))).filter((p): p is Peer => !!p).map((p) => perCpu(p.fps, p.cpuPercent));
      return xs.length === cams.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
    };
    out.push('| configuration | processed fps | dropped fps | frames per vision CPU-s (x peer) | capture→hub p50 / p95 (s) | capture→sighting p50 (s) | CPU % ingest+ffmpeg / vision / hub | RSS MB ingest / vision / hub | embedded faces / detected | confirmed / embedded | hamilton frames naming Lin: own embedding / shown (with track carries) / analysed | Lin sightings | other-name sightings (wrong) |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      const own = perCpu(r.processedFps, r.cpu.vision.reduce((a, b) => a + b, 0));
      out.push(`| ${r.setup.name} | ${f1(r.processedFps)}${rounds > 1 ? ` (${r.rounds!.map(f1).join(' / ')})` : ''} | ${f1(r.droppedFps)} | ${f1(own)} (${f2(own / peerPerCpu(r.setup.cameras))}) | ${f2(r.p50)} / ${f2(r.p95)} | ${f2(r.sightingP50)} | ${f1(r.cpu.ingest)} / ${r.cpu.vision.map(f1).join(' + ')} / ${f1(r.cpu.hub)} | ${Math.round(r.rss.ingest)} / ${r.rss.vision.map(Math.round).join(' + ')} / ${Math.round(r.rss.hub)} | ${f2(r.embeddedPerFace)} | ${f2(r.confirmedPerEmbedded)} | ${r.linFrames} / ${r.linShown} / ${r.camFrames} | ${r.linSightings} | ${r.otherSightings} |`);
    }
    for (const p of peers) {
      out.push(`| peer: face-api recommended pipeline, every frame, ${p.clip} | ${f1(p.fps)} (offline, as fast as it can) | - | ${f1(perCpu(p.fps, p.cpuPercent))} (1.00) | - | - | ${f1(p.cpuPercent)} (one process) | ${Math.round(p.rssMb)} | 1.00 | - | ${p.clip.startsWith('hamilton') ? `${p.framesNamed[target] ?? 0} / ${p.frames}` : '-'} | - | ${Object.entries(p.framesNamed).filter(([n]) => n !== target).reduce((a, [, k]) => a + k, 0)} frames |`);
    }
    out.push('', `Frames dropped in the measured window (count): ${results.map((r) => `${r.setup.name}: ${r.dropped}`).join('; ')}.`);
    if (rounds > 1) {
      // the CPU share moves between rounds more than the processed fps: every round's figure, and their median
      const median = (xs: number[]) => { const o = [...xs].sort((a, b) => a - b); return o.length % 2 ? o[(o.length - 1) / 2]! : (o[o.length / 2 - 1]! + o[o.length / 2]!) / 2; };
      out.push('', 'Frames per vision CPU-second, every round (median):', '');
      for (const [s, rs] of runs) {
        const xs = rs.map((r) => perCpu(r.processedFps, r.cpu.vision.reduce((a, b) => a + b, 0)));
        out.push(`- ${s.name}: ${xs.map(f1).join(' / ')} (**${f1(median(xs))}**)`);
      }
    }
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    gallery.close();
    single.close();
    engine.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(singleDir, { recursive: true, force: true });
  }
}

await main();
