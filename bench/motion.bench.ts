/**
 * npm run bench:motion — what the ingest's motion gate saves on the shared clips, and what it
 * costs in faces. Every clip at 5 fps (at most 60 frames): the detector runs on every frame
 * (reference), then the gate decides frame by frame as in the ingest (an open track is
 * simulated as "a face was found in an analysed frame within track.closeAfterMs"); faces
 * found on gated frames are counted against the reference.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { MotionGate } from '../src/ingest/motion.gate.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';

const dataDir = resolve(process.env.FACESTREAM_TEST_DATA ?? resolve(import.meta.dirname, '../../shared/data'));
const clips = ['hamilton_360p.mp4', 'crowd_walk_1080p.mp4', 'single_person_480p.mkv', 'no_faces_overhead_432p.mp4'];
const fps = 5, maxFrames = Number(process.env.BENCH_FRAMES ?? 60);
const config = loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' } } });
const engine = await openFacePipeline(config);
const tmp = mkdtempSync(join(tmpdir(), 'fs-motion-'));
const rows: string[] = [];
let gateMs: number[] = [];
try {
  for (const clip of clips) {
    const dir = join(tmp, clip);
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('ffmpeg', ['-v', 'error', '-i', join(dataDir, 'video', clip), '-vf', `fps=${fps},scale='min(1280,iw)':-2`, '-frames:v', String(maxFrames), '-q:v', '5', join(dir, '%04d.jpg')]);
    const frames = readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
    const faces = [];
    for (const f of frames) faces.push((await engine.analyze(f, { embed: false })).faces.filter((x) => x.quality.passed).length);
    let lastFaceAt = -Infinity, open = false;
    const gate = new MotionGate(config.ingest, async () => (open ? 1 : 0));
    let analysed = 0, kept = 0;
    for (let i = 0; i < frames.length; i++) {
      const at = Math.round((i * 1000) / fps);
      open = at - lastFaceAt <= config.track.closeAfterMs;
      const t = performance.now();
      const decision = await gate.decide(clip, frames[i]!, at);
      gateMs.push(performance.now() - t);
      if (decision === 'still') continue;
      analysed++;
      kept += faces[i]!;
      if (faces[i]! > 0) lastFaceAt = at;
    }
    const total = faces.reduce((a, b) => a + b, 0);
    rows.push(`| ${clip} | ${frames.length} | ${analysed} | ${(100 * (1 - analysed / frames.length)).toFixed(0)} % | ${total} | ${kept} | ${total ? ((100 * kept) / total).toFixed(0) : '-'} % |`);
    process.stderr.write('.');
  }
  gateMs = gateMs.sort((a, b) => a - b);
  console.log(`\nMotion gate at ${fps} fps (defaults: motionPixelDelta ${config.ingest.motionPixelDelta}, motionMinShare ${config.ingest.motionMinShare}, motionIdleDetectMs ${config.ingest.motionIdleDetectMs}); faces = faces passing the quality gate`);
  console.log('| clip | frames | analysed | detections saved | faces (every frame) | faces (gated) | kept |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\nGate cost: median ${gateMs[Math.floor(gateMs.length / 2)]!.toFixed(2)} ms per frame (thumbnail decode + difference).`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  engine.close();
}
