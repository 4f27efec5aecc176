// The demo (started by scripts/demo.mjs once dependencies exist): Redis, a clip served as an
// RTSP camera, an enrolled gallery, an admin API key, then every pipeline role (`facestream run`)
// with the API and dashboard. Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/index.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import { openGallery } from '../src/identify/gallery.js';
import { maskUrl } from '../src/common/mask-url.js';
import { deletePrefix } from '../src/queue/redis.connection.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// the quickstart sample lives in the repository (examples/, with its NOTICE): a clone alone runs the demo
const examples = path.resolve(root, 'examples');
const say = (msg: string) => process.stdout.write(`demo: ${msg}\n`);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const imageExt = /\.(jpe?g|png|webp)$/i;

const program = new Command('demo')
  .description('run facestream end to end on one machine: camera, gallery, all roles, dashboard')
  .option('--camera <url|file>', 'camera: rtsp:// or http(s):// MJPEG URL, or a video file served over RTSP (default: examples/video/hamilton_360p.mp4)')
  .option('--gallery <dir>', 'folder with one sub-folder of photos per person (default: examples/gallery)')
  .option('--data-dir <dir>', 'data folder of the demo (SQLite store, index, crops)', path.join(root, 'data', 'demo'))
  .option('--port <n>', 'API/dashboard port (default: config api.port)', (v) => parseInt(v, 10))
  .option('--fps <n>', 'frames per second sampled from the camera', parseFloat, 2)
  .showHelpAfterError();

class Fail extends Error {}

/**
 * Children this demo started, stopped in reverse order (SIGTERM, SIGKILL after a grace period).
 * Redis and the RTSP server run in their own process group so Ctrl-C in the terminal does not
 * stop them before the roles have closed against them.
 */
class Children {
  private readonly list: { name: string; child: ChildProcess }[] = [];
  add(name: string, child: ChildProcess): ChildProcess { this.list.push({ name, child }); return child; }
  async stopAll(): Promise<void> {
    for (const { name, child } of [...this.list].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      say(`stopping ${name} (pid ${child.pid})`);
      await new Promise<void>((ok) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => { clearTimeout(t); ok(); });
        child.kill('SIGTERM');
      });
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => ok(p)); });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

async function redisReachable(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  r.on('error', () => {});
  try { await r.connect(); await r.ping(); return true; } catch { return false; } finally { r.disconnect(); }
}

/** Wait for a child's stdout line matching re (or its exit). */
function lineFrom(child: ChildProcess, re: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
  return new Promise((ok, fail) => {
    let buf = '';
    const t = setTimeout(() => fail(new Fail(`${what} did not start within ${ms / 1000} s`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = re.exec(buf);
      if (m) { clearTimeout(t); ok(m); }
    });
    child.once('exit', (code) => { clearTimeout(t); fail(new Fail(`${what} exited (${code})`)); });
  });
}

async function main(): Promise<void> {
  program.parse(process.argv);
  const opts = program.opts<{ camera?: string; gallery?: string; dataDir: string; port?: number; fps: number }>();
  const base = loadConfig();
  const children = new Children();
  let stopping: Promise<void> | undefined;
  let prefixToClean: { url: string; prefix: string } | undefined;
  const stop = (code: number) => (stopping ??= (async () => {
    say('stopping everything the demo started');
    await children.stopAll();
    if (prefixToClean) await deletePrefix(prefixToClean.url, prefixToClean.prefix).catch(() => {});
    say('stopped');
    process.exit(code);
  })());
  process.on('SIGINT', () => { void stop(0); });
  process.on('SIGTERM', () => { void stop(0); });

  try {
    // camera
    const defaultClip = path.join(examples, 'video', 'hamilton_360p.mp4');
    const camera = opts.camera ?? (existsSync(defaultClip) ? defaultClip : undefined);
    if (!camera) throw new Fail(`no camera: ${defaultClip} is missing (examples/ not checked out?), so --camera URL|FILE is required (rtsp://, http(s):// MJPEG, or a video file)`);
    let cameraUrl = camera;
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(camera)) {
      if (!existsSync(camera)) throw new Fail(`--camera ${camera}: no such file`);
      say(`[1/6] serving ${path.basename(camera)} as an RTSP camera (GStreamer, looped)`);
      const rtspPort = await freePort();
      const rtsp = children.add('RTSP server', spawn('/usr/bin/python3', [path.join(root, 'scripts/rtsp-server.py'), '--file', path.resolve(camera), '--port', String(rtspPort)], { stdio: ['ignore', 'pipe', 'inherit'], detached: true }));
      cameraUrl = (await lineFrom(rtsp, /READY (\S+)/, 20_000, 'the RTSP server'))[1]!;
    } else {
      say(`[1/6] camera ${maskUrl(camera)}`);
    }

    // Redis
    const envUrl = process.env.FACESTREAM_REDIS_URL ?? process.env.REDIS_URL;
    let redisUrl: string;
    if (envUrl) {
      if (!(await redisReachable(envUrl))) throw new Fail(`Redis at ${maskUrl(envUrl)} (REDIS_URL) is not reachable`);
      redisUrl = envUrl;
      say(`[2/6] Redis ${maskUrl(redisUrl)} (REDIS_URL)`);
    } else if (await redisReachable(base.redis.url)) {
      redisUrl = base.redis.url;
      say(`[2/6] Redis ${maskUrl(redisUrl)} (running locally)`);
    } else {
      const port = await freePort();
      const redis = children.add('redis-server', spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true }));
      redis.once('error', () => {});
      redisUrl = `redis://127.0.0.1:${port}`;
      await lineFrom(redis, /Ready to accept connections/i, 15_000, 'redis-server');
      say(`[2/6] Redis: started a private redis-server on port ${port} (stopped on exit)`);
    }
    const prefix = `facestream-demo-${randomUUID().slice(0, 8)}`;
    prefixToClean = { url: redisUrl, prefix };

    // gallery + key
    const galleryDir = opts.gallery ?? path.join(examples, 'gallery');
    if (!existsSync(galleryDir)) throw new Fail(`gallery folder ${galleryDir} does not exist: give --gallery DIR (one sub-folder of photos per person)`);
    const config = loadConfig({ overrides: { data: { dir: path.resolve(opts.dataDir) } } });
    say(`[3/6] loading the face models (${config.detector.model} + ${config.embedder.model}, backend ${config.engine.backend})`);
    const engine = await openFacePipeline(config);
    const gallery = openGallery({ dataDir: config.data.dir, engine, settings: config.gallery });
    let key: string;
    try {
      const people = readdirSync(galleryDir).filter((p) => statSync(path.join(galleryDir, p)).isDirectory()).sort();
      say(`[4/6] enrolling ${people.length} people from ${galleryDir} into ${config.data.dir}`);
      for (const [i, name] of people.entries()) {
        const person = gallery.people.personByName(name) ?? gallery.people.createPerson(name, {}, 'demo');
        const outcomes: string[] = [];
        for (const f of readdirSync(path.join(galleryDir, name)).filter((f) => imageExt.test(f)).sort()) {
          const r = await gallery.enrollment.enrollPhoto(person.id, path.join(galleryDir, name, f), { actor: 'demo' });
          outcomes.push(r.status === 'rejected' ? `${f} rejected (${r.reason})` : `${f} ${r.status}`);
        }
        say(`      ${i + 1}/${people.length} ${name}: ${outcomes.join(', ')}`);
      }
      key = gallery.keys.create('admin', 'demo').key;
      say('[5/6] created an admin API key');
    } finally {
      gallery.close();
      engine.close();
    }

    // every role
    const port = opts.port ?? config.api.port;
    if (!(await portFree(port))) throw new Fail(`port ${port} is in use: give --port N`);
    say(`[6/6] starting ingest, vision and hub (facestream run) at ${opts.fps} fps, API on port ${port}`);
    const env = {
      ...process.env, FACESTREAM_REDIS_URL: redisUrl, FACESTREAM_REDIS_PREFIX: prefix, FACESTREAM_DATA_DIR: config.data.dir,
      FACESTREAM_API_HOST: '127.0.0.1', FACESTREAM_API_PORT: String(port), FACESTREAM_LOG_LEVEL: process.env.FACESTREAM_LOG_LEVEL ?? 'info',
      // relayLogs parses the roles' JSON lines (a terminal would make them pretty)
      FACESTREAM_LOG_FORMAT: 'json',
    };
    const roles = children.add('pipeline roles', spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers/all.ts'), '--camera', cameraUrl, '--fps', String(opts.fps)], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] }));
    relayLogs(roles);
    roles.once('exit', (code, signal) => { if (!stopping) { say(`the pipeline roles exited (${code ?? signal})`); void stop(1); } });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (stopping) return;
      try { if ((await fetch(`${url}/health/live`)).ok) break; } catch { /* not listening yet */ }
      if (i > 600) throw new Fail('the API did not come up within 120 s');
      await sleep(200);
    }
    say('ready');
    say(`dashboard:     ${url}/`);
    say(`API docs:      ${url}/api/docs`);
    say(`admin API key: ${key}`);
    say(`sightings:     curl -H 'Authorization: Bearer ${key}' ${url}/api/sightings`);
    say('press Ctrl-C to stop');
  } catch (e) {
    if (e instanceof Fail) say(`error: ${e.message}`);
    else say(`internal error: ${(e as Error).stack ?? String(e)}`);
    await stop(1);
  }
}

/** The roles log JSON (pino, log.format json); the demo shows the lines a person watching wants to see. */
function relayLogs(child: ChildProcess): void {
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let o: Record<string, unknown>;
      try { o = JSON.parse(line) as Record<string, unknown>; } catch { process.stdout.write(`${line}\n`); continue; }
      if (!o || typeof o !== 'object') { process.stdout.write(`${line}\n`); continue; }
      const level = typeof o.level === 'number' ? o.level : 30;
      const msg = typeof o.msg === 'string' ? o.msg : '';
      if (msg === 'sighting') say(`sighting: ${String(o.label)} on ${String(o.camera)} (${String(o.status)}, ${String(o.frames)} frames)`);
      else if (level >= 40) say(`${level >= 50 ? 'error' : 'warning'}: ${describeLog(o, msg)}`);
      else if (/camera|listening|starting/i.test(msg)) say(describeLog(o, msg));
    }
  });
}

/**
 * A role's log event for a person: its message, then which camera, what state and why, as far
 * as the message does not say so already: "camera cam1 offline: Connection refused (retry in
 * 4 s)", "frame not queued (camera: cam1, err: ...)".
 */
function describeLog(o: Record<string, unknown>, msg: string): string {
  const text = (v: unknown): string | undefined => {
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return (v as { message: string }).message;
    return undefined;
  };
  const extra = ['camera', 'cameraId', 'state', 'reason', 'err', 'error'].flatMap((k) => {
    const t = text(o[k]);
    return t && !msg.includes(t) ? [`${k === 'cameraId' ? 'camera' : k}: ${maskUrl(t)}`] : [];
  });
  return extra.length ? `${msg} (${extra.join(', ')})` : msg;
}

await main();
