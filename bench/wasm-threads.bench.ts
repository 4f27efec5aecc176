/**
 * npm run bench:threads [-- --threads 1,2,4 --rounds 2 --frames 12]
 *
 * engine.wasmThreads: the same clip frames analysed (detect, landmarks, embed every passing face)
 * with each thread count, each in its own process (the pool is chosen when the backend starts),
 * alternating the counts for `rounds` rounds so a noisy machine affects all alike. Frames: the
 * shared clips at 5 fps, hamilton at 640x360 and the crowd scaled to 1280x720 like the ingest
 * does. Prints, per clip and thread count, the median wall ms per frame, CPU ms per frame (the
 * whole process, pool threads included) and the faces found (which must not change).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const arg = (name: string, def: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 && argv[i + 1] ? argv[i + 1]! : def; };
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

interface ClipResult { clip: string; wallMs: number; cpuMs: number; faces: number }

if (argv[0] === '--child') {
  // child: analyse every frame of each folder twice (after one warm-up pass), print JSON
  const [, threads, ...dirs] = argv;
  const { loadConfig } = await import('../src/config/index.js');
  const { openFacePipeline } = await import('../src/roles/face-pipeline.factory.js');
  const engine = await openFacePipeline(loadConfig({ env: {}, overrides: { engine: { backend: 'wasm', wasmThreads: Number(threads) } } }));
  const out: ClipResult[] = [];
  for (const dir of dirs) {
    const frames = readdirSync(dir).sort().map((f) => readFileSync(path.join(dir, f)));
    for (const f of frames) await engine.analyze(f);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    let faces = 0;
    for (let rep = 0; rep < 2; rep++) for (const f of frames) faces += (await engine.analyze(f)).faces.length;
    const c = process.cpuUsage(c0);
    out.push({ clip: path.basename(dir), wallMs: (performance.now() - w0) / (2 * frames.length), cpuMs: (c.user + c.system) / 1000 / (2 * frames.length), faces: faces / 2 });
  }
  process.stdout.write(JSON.stringify({ threads: engine.description.threads, out }) + '\n');
  engine.close();
} else {
  const counts = arg('threads', '1,2').split(',').map(Number);
  const rounds = Number(arg('rounds', '2'));
  const nFrames = Number(arg('frames', '12'));
  const dataDir = path.resolve(process.env.FACESTREAM_TEST_DATA ?? path.resolve(path.dirname(here), '../../shared/data'));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'facestream-threads-'));
  try {
    const clips = [
      { name: 'hamilton 640x360', file: 'video/hamilton_360p.mp4', vf: 'fps=5' },
      { name: 'crowd 1280x720', file: 'video/crowd_walk_1080p.mp4', vf: 'fps=5,scale=1280:720' },
    ];
    const dirs = clips.map((c, i) => {
      const dir = path.join(tmp, String(i));
      mkdirSync(dir);
      execFileSync('ffmpeg', ['-loglevel', 'error', '-i', path.join(dataDir, c.file), '-vf', c.vf, '-frames:v', String(nFrames), '-q:v', '5', path.join(dir, 'f%03d.jpg')]);
      return dir;
    });
    const results = new Map<string, ClipResult[]>();
    const reported = new Map<number, number>();
    for (let r = 0; r < rounds; r++) {
      for (const n of counts) {
        process.stderr.write(`round ${r + 1}, ${n} thread(s)\n`);
        const stdout = execFileSync(process.execPath, [...process.execArgv, here, '--child', String(n), ...dirs], { encoding: 'utf8', maxBuffer: 16 << 20 });
        const { threads, out } = JSON.parse(stdout.trim().split('\n').pop()!) as { threads: number; out: ClipResult[] };
        reported.set(n, threads);
        out.forEach((o, i) => { const k = `${clips[i]!.name}|${n}`; results.set(k, [...(results.get(k) ?? []), o]); });
      }
    }
    console.log(`engine.wasmThreads: ${nFrames} frames per clip at 5 fps, each analysed twice per round, ${rounds} rounds alternating the counts; medians over rounds; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
    console.log('| clip | wasmThreads (pool reports) | wall ms / frame | CPU ms / frame | wall vs 1 thread | CPU vs 1 thread | faces / frame |');
    console.log('|---|---|---|---|---|---|---|');
    for (const c of clips) {
      const base = results.get(`${c.name}|${counts[0]}`)!;
      for (const n of counts) {
        const rs = results.get(`${c.name}|${n}`)!;
        const w = median(rs.map((x) => x.wallMs)), cpu = median(rs.map((x) => x.cpuMs));
        console.log(`| ${c.name} | ${n} (${reported.get(n)}) | ${w.toFixed(1)} | ${cpu.toFixed(1)} | ${(median(base.map((x) => x.wallMs)) / w).toFixed(2)}x | ${(cpu / median(base.map((x) => x.cpuMs))).toFixed(2)}x | ${median(rs.map((x) => x.faces / nFrames)).toFixed(2)} |`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
