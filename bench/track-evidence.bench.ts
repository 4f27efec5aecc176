/**
 * npm run bench:evidence — the numbers behind the tracker's defaults (track.minAppearance,
 * track.sceneCutDistance): how alike the appearance signatures of one face in consecutive
 * frames are, against faces of different people; how far the scene signature moves between
 * consecutive frames of each clip, against a cut between clips; and what both cost.
 * Frames: every clip of ../shared/data/video at 5 fps (ffmpeg); people: the bbt crops.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { iou } from '../src/common/geometry.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import { appearanceSimilarity, sceneDistance } from '../src/common/signature-distance.js';
import { appearanceSignature, sceneSignature } from '../src/vision/appearance.js';

const dataDir = resolve(process.env.FACESTREAM_TEST_DATA ?? resolve(import.meta.dirname, '../../shared/data'));
const clips = ['hamilton_360p.mp4', 'crowd_walk_1080p.mp4', 'single_person_480p.mkv', 'no_faces_overhead_432p.mp4'];
const fps = Number(process.env.BENCH_FPS ?? 5);
const maxFrames = 60;

const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]! : NaN; };
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');

const engine = await openFacePipeline(loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' } } }));
const tmp = mkdtempSync(join(tmpdir(), 'fs-evidence-'));
const sceneRows: string[] = [];
const firstLast: { clip: string; first: number[]; last: number[] }[] = [];
const sameTrack: number[] = [];
let sceneUs: number[] = [], faceUs: number[] = [];
try {
  for (const clip of clips) {
    const dir = join(tmp, clip);
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('ffmpeg', ['-v', 'error', '-i', join(dataDir, 'video', clip), '-vf', `fps=${fps}`, '-frames:v', String(maxFrames), '-q:v', '3', join(dir, '%04d.jpg')]);
    const files = readdirSync(dir).sort();
    const sigs: number[][] = [];
    let prevFaces: { box: { x: number; y: number; width: number; height: number }; sig: Float32Array }[] = [];
    for (const f of files) {
      const image = await engine.decode(readFileSync(join(dir, f)));
      let t = performance.now();
      sigs.push(sceneSignature(image));
      sceneUs.push((performance.now() - t) * 1000);
      const r = await engine.analyze(image, { embed: false, keepChips: true });
      const faces = r.faces.filter((x) => x.chip).map((x) => {
        t = performance.now();
        const sig = appearanceSignature(x.chip!);
        faceUs.push((performance.now() - t) * 1000);
        return { box: x.box, sig };
      });
      for (const face of faces) {
        const prev = prevFaces.find((p) => iou(p.box, face.box) > 0.5);
        if (prev) sameTrack.push(appearanceSimilarity(prev.sig, face.sig));
      }
      prevFaces = faces;
    }
    const d = sigs.slice(1).map((s, i) => sceneDistance(sigs[i]!, s));
    sceneRows.push(`| ${clip} | ${d.length} | ${f3(q(d, 0.5))} | ${f3(q(d, 0.99))} | ${f3(Math.max(...d))} |`);
    firstLast.push({ clip, first: sigs[0]!, last: sigs[sigs.length - 1]! });
  }
  // faces of different people: every bbt crop against every crop of another person
  const bbt = join(dataDir, 'people', 'bbt');
  const people: { name: string; sig: Float32Array }[] = [];
  for (const name of readdirSync(bbt)) {
    for (const f of readdirSync(join(bbt, name))) {
      const r = await engine.analyze(join(bbt, name, f), { embed: false, keepChips: true });
      const face = r.faces.find((x) => x.chip);
      if (face) people.push({ name, sig: appearanceSignature(face.chip!) });
    }
  }
  const different: number[] = [], samePersonOtherPhoto: number[] = [];
  for (let i = 0; i < people.length; i++) for (let j = i + 1; j < people.length; j++) {
    (people[i]!.name === people[j]!.name ? samePersonOtherPhoto : different).push(appearanceSimilarity(people[i]!.sig, people[j]!.sig));
  }
  const cuts: number[] = [];
  for (const a of firstLast) for (const b of firstLast) if (a !== b) cuts.push(sceneDistance(a.last, b.first));

  console.log(`Scene signature distance between consecutive frames at ${fps} fps (half L1 of 32-bin grey histograms)`);
  console.log('| clip | frame pairs | median | p99 | max |');
  console.log('|---|---|---|---|---|');
  for (const r of sceneRows) console.log(r);
  console.log(`| cut between two clips (last frame -> first frame) | ${cuts.length} | ${f3(q(cuts, 0.5))} | min ${f3(Math.min(...cuts))} | |`);
  console.log('');
  console.log('Appearance signature similarity (correlation of 16x16 grey aligned chips)');
  console.log('| pairs | n | p1 | p5 | median | p95 | max |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [label, xs] of [['same face, consecutive frames (IoU > 0.5)', sameTrack], ['same person, other photo (bbt)', samePersonOtherPhoto], ['different people (bbt)', different]] as const) {
    console.log(`| ${label} | ${xs.length} | ${f3(q(xs, 0.01))} | ${f3(q(xs, 0.05))} | ${f3(q(xs, 0.5))} | ${f3(q(xs, 0.95))} | ${f3(Math.max(...xs))} |`);
  }
  console.log('');
  console.log('Share of pairs at or above a minimum appearance similarity (track.minAppearance)');
  console.log('| threshold | same face, consecutive frames | different people |');
  console.log('|---|---|---|');
  const share = (xs: number[], t: number) => `${((100 * xs.filter((x) => x >= t).length) / Math.max(1, xs.length)).toFixed(1)} %`;
  for (const t of [0.5, 0.6, 0.7, 0.8]) console.log(`| ${t} | ${share(sameTrack, t)} | ${share(different, t)} |`);
  console.log('');
  sceneUs = sceneUs.slice(3); faceUs = faceUs.slice(3);
  console.log(`Cost (median, one core): scene signature ${f3(q(sceneUs, 0.5) / 1000)} ms per frame; appearance signature ${f3(q(faceUs, 0.5) / 1000)} ms per face; a comparison is one 256-d dot product.`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  engine.close();
}
