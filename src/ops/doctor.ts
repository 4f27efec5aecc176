import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { witnessModeOf, type Config } from '../config/schema.js';
import { openDatabase } from '../store/database.js';
import { STORE_FILE } from '../store/data.store.js';
import { dataDirExposure, ensureDataDir } from '../store/data-paths.js';
import { faceApiModelDir, humanModelDir, requireFaceApiModel, requireModelFile } from '../engine/models.js';
import { cameraUrlProblem } from '../common/camera-url.policy.js';
import { maskUrl, sourceKind } from '../common/mask-url.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found (credentials masked). */
  detail: string;
  /** What to do when not ok, or about a warning. */
  fix?: string;
  /** Fine to run, but worth fixing (printed WARN; the exit code stays 0). */
  warning?: boolean;
}

export interface DoctorOptions {
  /**
   * Connects once to Redis, failing fast, and answers its server version (undefined: unknown);
   * throws when unreachable (queue/redis.probe.ts redisServerVersion in the CLI).
   */
  redisVersion: (url: string) => Promise<string | undefined>;
  /** Seconds ffprobe may take per camera before it counts as unreachable (default 5). */
  cameraTimeoutS?: number;
  ffmpegPath?: string;
  ffprobePath?: string;
}

const run = (cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((ok) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      // exit status, or null for a timeout (killed) or a missing binary (ENOENT)
      const code = !err ? 0 : typeof err.code === 'number' ? err.code : null;
      ok({ code, stdout: String(stdout), stderr: String(stderr) || (err ? err.message : '') });
    });
  });

/** Model files the configured detector, landmarks and embedder load (no engine is started). */
function modelFiles(config: Pick<Config, 'engine' | 'detector' | 'landmarks' | 'embedder' | 'identify'>): DoctorCheck {
  const faceApi = faceApiModelDir(config.engine.faceApiModelDir);
  const names = [
    ...(config.detector.model === 'faceboxes' ? [] : [config.detector.model === 'tiny' ? 'tiny_face_detector_model' : 'ssd_mobilenetv1_model']),
    config.landmarks.model === 'tiny' ? 'face_landmark_68_tiny_model' : 'face_landmark_68_model',
  ];
  try {
    for (const n of names) requireFaceApiModel(faceApi, n);
    if (config.detector.model === 'faceboxes') { requireModelFile(humanModelDir(config.engine.humanModelDir), 'faceboxes.json'); names.unshift('faceboxes'); }
    const model = config.embedder.model;
    if (model === 'resnet34' || model === 'resnet34+faceres') { requireFaceApiModel(faceApi, 'face_recognition_model'); names.push('face_recognition_model'); }
    const humans = new Set(model === 'mobileface' ? ['mobileface'] : model === 'resnet34' ? [] : ['faceres']);
    // two witnesses: the confirming model too
    if (witnessModeOf(config) === 'two-witness') humans.add(config.identify.witness.confirmModel);
    for (const human of humans) {
      requireModelFile(humanModelDir(config.engine.humanModelDir), `${human}.json`);
      names.push(human);
    }
    return { name: 'models', ok: true, detail: `${names.join(', ')} present` };
  } catch (e) {
    return { name: 'models', ok: false, detail: (e as Error).message, fix: 'reinstall dependencies (npm ci) or point engine.faceApiModelDir / engine.humanModelDir at the model folders' };
  }
}

/**
 * `facestream doctor`: everything a deployment needs, checked without starting the pipeline,
 * each failure with the fix. Camera URLs are masked in every line (they carry passwords).
 */
export async function runDoctor(config: Readonly<Config>, options: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const backendNote = config.engine.backend === 'auto' ? 'auto (tfjs-node when installed, else wasm)' : config.engine.backend;
  let nodeTf = false;
  try { await import('@tensorflow/tfjs-node' as string); nodeTf = true; } catch { /* optional */ }
  if (!nodeTf) { try { await import('@tensorflow/tfjs-node-gpu' as string); nodeTf = true; } catch { /* optional */ } }
  const backendOk = config.engine.backend !== 'tensorflow' || nodeTf;
  checks.push({
    name: 'backend', ok: backendOk,
    detail: `${backendNote}; tfjs-node${nodeTf ? '' : ' not'} installed; wasm binaries ${existsSync(path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist', 'tfjs-backend-wasm-simd.wasm')) ? 'present' : 'missing'}`,
    fix: backendOk ? undefined : 'install @tensorflow/tfjs-node(-gpu) or set engine.backend: wasm',
  });
  checks.push(modelFiles(config));

  const ffmpeg = options.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
  const v = await run(ffmpeg, ['-hide_banner', '-version'], 5000);
  const version = /ffmpeg version (\S+)/.exec(v.stdout)?.[1];
  checks.push(v.code === 0 && version
    ? { name: 'ffmpeg', ok: true, detail: `ffmpeg ${version}` }
    : { name: 'ffmpeg', ok: false, detail: `${ffmpeg}: ${v.stderr.trim().split('\n').pop() ?? 'not runnable'}`, fix: 'install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH' });

  try {
    const version = await options.redisVersion(config.redis.url);
    checks.push({ name: 'redis', ok: true, detail: `${maskUrl(config.redis.url)} reachable (redis ${version ?? '?'}), prefix ${config.redis.prefix}` });
  } catch (e) {
    checks.push({ name: 'redis', ok: false, detail: `${maskUrl(config.redis.url)}: ${maskUrl((e as Error).message)}`, fix: 'start Redis or set redis.url / REDIS_URL' });
  }

  const ffprobe = options.ffprobePath ?? process.env.FFPROBE_PATH ?? 'ffprobe';
  const timeoutS = options.cameraTimeoutS ?? 5;
  // probed in parallel (each may take the whole timeout), reported in configuration order
  checks.push(...await Promise.all(config.ingest.cameras.filter((c) => c.enabled).map(async (cam): Promise<DoctorCheck> => {
    // the same policy as the ingest: doctor never hands a refused URL to ffprobe
    const problem = cameraUrlProblem(cam.url, config.ingest);
    if (problem) return { name: `camera ${cam.id}`, ok: false, detail: problem, fix: 'use an rtsp(s)/http(s) URL or a video file allowed by ingest.allowedSchemes / ingest.fileRoots' };
    const kind = sourceKind(cam.url);
    const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0'];
    if (kind === 'rtsp') args.push('-rtsp_transport', cam.transport, '-timeout', String(timeoutS * 1_000_000));
    else if (kind === 'http') args.push('-timeout', String(timeoutS * 1_000_000));
    const r = await run(ffprobe, [...args, cam.url], (timeoutS + 2) * 1000);
    const stream = r.stdout.trim().split('\n')[0];
    return r.code === 0 && stream
      ? { name: `camera ${cam.id}`, ok: true, detail: `${maskUrl(cam.url)}: ${stream}` }
      : {
        name: `camera ${cam.id}`, ok: false,
        detail: `${maskUrl(cam.url)}: ${maskUrl(r.stderr.trim().split('\n').pop() || (r.code === null ? `no answer within ${timeoutS} s` : 'no video stream'))}`,
        fix: 'check the URL, credentials, network route and that the camera serves video (ffprobe <url>)',
      };
  })));

  const dir = path.resolve(config.data.dir);
  try {
    ensureDataDir(dir);
    accessSync(dir, constants.W_OK);
    const probe = path.join(dir, `.doctor-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe, { force: true });
    checks.push({ name: 'data dir', ok: true, detail: `${dir} writable` });
    const exposure = dataDirExposure(dir);
    if (exposure) {
      checks.push({ name: 'data dir access', ok: true, warning: true, detail: `${dir} ${exposure}: faces, names, sightings and webhook secrets are readable by other local users`, fix: `chmod 700 ${dir}` });
    }
    const dbFile = path.join(dir, STORE_FILE);
    if (witnessModeOf(config) === 'two-witness' && existsSync(dbFile)) checks.push(confirmCheck(dbFile, config.identify.witness.confirmModel));
  } catch (e) {
    checks.push({ name: 'data dir', ok: false, detail: `${dir}: ${(e as Error).message}`, fix: 'create the folder and give the facestream user write access, or set data.dir' });
  }
  return checks;
}

/** Two witnesses: samples enrolled before them lack the confirming model's embedding (never named until the hub's backfill or `reindex`). */
function confirmCheck(dbFile: string, confirmModel: string): DoctorCheck {
  let db;
  try {
    db = openDatabase(dbFile, { readonly: true });
    const cols = (db.prepare('PRAGMA table_info(face_samples)').all() as { name: string }[]).map((c) => c.name);
    const total = (db.prepare('SELECT count(*) AS n FROM face_samples').get() as { n: number }).n;
    const missing = cols.includes('confirm_model_id')
      ? (db.prepare('SELECT count(*) AS n FROM face_samples WHERE confirm_model_id IS NULL OR confirm_model_id NOT LIKE ?').get(`%${confirmModel}%`) as { n: number }).n
      : total;
    return missing === 0
      ? { name: 'two witnesses', ok: true, detail: `every sample (${total}) has its ${confirmModel} embedding` }
      : { name: 'two witnesses', ok: false, detail: `${missing} of ${total} samples lack the ${confirmModel} embedding: their people are not named until it is added`, fix: 'start the hub (it adds them from the stored crops) or run `facestream reindex`' };
  } catch (e) {
    return { name: 'two witnesses', ok: false, detail: `${dbFile}: ${(e as Error).message}`, fix: 'check the data directory' };
  } finally {
    db?.close();
  }
}

export function formatDoctor(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const tag = (c: DoctorCheck) => (!c.ok ? 'FAIL' : c.warning ? 'WARN' : 'ok  ');
  return checks.map((c) => `${tag(c)}  ${c.name.padEnd(width)}  ${c.detail}${(c.ok && !c.warning) || !c.fix ? '' : `\n      ${' '.repeat(width)}  fix: ${c.fix}`}`).join('\n') + '\n';
}
