/**
 * npm run bench:detectors — which face detector live video should use, from numbers.
 *
 * Every detector setting runs the same photo/frame sets through the face pipeline (wasm):
 * - scenes: ../shared/data/people/scenes (truth.tsv: clear faces per photo, bbt people visible).
 *   "bbt named" = visible bbt people that a detected face of that photo identifies (gallery of
 *   the 35 bbt crops, the open-set decision rule); "wrong" = faces named as a bbt person that
 *   truth.tsv does not list for that photo.
 * - hamilton 640x360 and crowd 1920x1080 (as the ingest sends it: scaled to ingest.maxWidth),
 *   frames at 5 fps: faces detected, faces passing the quality gate (= embedded live),
 *   hamilton frames naming Lin-Manuel Miranda (gallery people/gallery) and faces given any
 *   other gallery name (wrong: nobody else from the gallery is in the clip).
 *   No hand-labelled boxes exist for the clips, so "union" = faces found by any setting
 *   (boxes merged at IoU ≥ 0.3) and recall is measured against that union.
 * - ms: median detection time per frame and median whole-frame time (detect + landmarks +
 *   align + embed) on this machine, one process.
 * Options: --frames N (per clip, default 25), --only 'ssd|tiny-416' (names from the table).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { iou } from '../src/common/geometry.js';
import { loadConfig } from '../src/config/index.js';
import type { Config } from '../src/config/schema.js';
import { openGallery } from '../src/identify/gallery.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import type { Box } from '../src/vision/types.js';

const { values: args } = parseArgs({ options: { frames: { type: 'string', default: '25' }, only: { type: 'string' } } });
const data = resolve(process.env.FACESTREAM_TEST_DATA ?? resolve(import.meta.dirname, '../../shared/data'));
const maxFrames = Number(args.frames);
if (!(maxFrames > 0)) throw new Error('--frames must be a positive number');

interface Setting { name: string; detector: Partial<Config['detector']> }
const settings: Setting[] = [
  { name: 'ssd', detector: { model: 'ssd' } },
  { name: 'ssd pad 0', detector: { model: 'ssd', borderPad: 0 } },
  { name: 'tiny-320', detector: { model: 'tiny', inputSize: 320 } },
  { name: 'tiny-416', detector: { model: 'tiny', inputSize: 416 } },
  { name: 'tiny-512', detector: { model: 'tiny', inputSize: 512 } },
  { name: 'tiny-608', detector: { model: 'tiny', inputSize: 608 } },
  { name: 'tiny-608 pad 0', detector: { model: 'tiny', inputSize: 608, borderPad: 0 } },
  { name: 'tiny-608 pad 0 score 0.3', detector: { model: 'tiny', inputSize: 608, borderPad: 0, scoreThreshold: 0.3 } },
  { name: 'faceboxes', detector: { model: 'faceboxes' } },
  { name: 'faceboxes-960', detector: { model: 'faceboxes', maxSide: 960 } },
  { name: 'faceboxes-640', detector: { model: 'faceboxes', maxSide: 640 } },
  { name: 'faceboxes score 0.6', detector: { model: 'faceboxes', scoreThreshold: 0.6 } },
  { name: 'faceboxes score 0.4', detector: { model: 'faceboxes', scoreThreshold: 0.4 } },
];
const selected = args.only ? settings.filter((s) => args.only!.split('|').includes(s.name)) : settings;
if (!selected.length) throw new Error(`--only matched no setting (names: ${settings.map((s) => s.name).join(', ')})`);

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)]! : NaN; };
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

const base = loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' } } });
const tmp = mkdtempSync(join(tmpdir(), 'fs-detectors-'));
function frames(clip: string): Buffer[] {
  const dir = join(tmp, clip);
  execFileSync('mkdir', ['-p', dir]);
  const scale = base.ingest.maxWidth > 0 ? `,scale='min(${base.ingest.maxWidth},iw)':-2` : '';
  execFileSync('ffmpeg', ['-v', 'error', '-i', join(data, 'video', clip), '-vf', `fps=5${scale}`, '-frames:v', String(maxFrames), '-q:v', '3', join(dir, '%04d.jpg')]);
  return readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
}
const clips = { hamilton: frames('hamilton_360p.mp4'), crowd: frames('crowd_walk_1080p.mp4') };
const truth = readFileSync(join(data, 'people/scenes/truth.tsv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))
  .map((l) => { const [file, n, people] = l.split('\t'); return { file: file!, faces: Number(n), people: people === '-' ? [] : people!.split(',') }; });

interface Row {
  name: string; sceneFaces: number; bbtNamed: number; bbtWrong: number;
  hamFaces: number; hamPassed: number; hamLin: number; hamWrong: number; crowdFaces: number; crowdPassed: number;
  detMs: { hamilton: number; crowd: number }; frameMs: { hamilton: number; crowd: number };
  boxes: { hamilton: Box[][]; crowd: Box[][] };
}

async function run(s: Setting): Promise<Row> {
  const config = loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' }, detector: s.detector } });
  const engine = await openFacePipeline(config);
  // two galleries in temp data dirs: bbt crops (scenes) and people/gallery (hamilton)
  const dirs = [mkdtempSync(join(tmp, 'g-')), mkdtempSync(join(tmp, 'g-'))];
  const bbt = openGallery({ dataDir: dirs[0]!, engine, settings: config.gallery });
  const people = openGallery({ dataDir: dirs[1]!, engine, settings: config.gallery });
  try {
    // Galleries are enrolled with the photo path (this setting's detector + tight-crop passes), as a user would.
    for (const [g, dir] of [[bbt, join(data, 'people/bbt')], [people, join(data, 'people/gallery')]] as const) {
      for (const name of readdirSync(dir).sort()) {
        const p = g.people.createPerson(name);
        for (const f of readdirSync(join(dir, name)).sort()) await g.enrollment.enrollPhoto(p.id, join(dir, name, f));
      }
    }
    const row: Row = { name: s.name, sceneFaces: 0, bbtNamed: 0, bbtWrong: 0, hamFaces: 0, hamPassed: 0, hamLin: 0, hamWrong: 0, crowdFaces: 0, crowdPassed: 0, detMs: { hamilton: 0, crowd: 0 }, frameMs: { hamilton: 0, crowd: 0 }, boxes: { hamilton: [], crowd: [] } };
    for (const t of truth) {
      const r = await engine.analyze(readFileSync(join(data, 'people/scenes', t.file)));
      row.sceneFaces += r.faces.length;
      const named = new Set<string>();
      for (const f of r.faces) {
        if (!f.embedding) continue;
        const m = bbt.matcher.identify(f.embedding, r.modelId);
        if (!m.name) continue;
        if (t.people.includes(m.name)) named.add(m.name); else row.bbtWrong++;
      }
      row.bbtNamed += named.size;
    }
    for (const clip of ['hamilton', 'crowd'] as const) {
      const det: number[] = [], total: number[] = [];
      for (const frame of clips[clip]) {
        const r = await engine.analyze(frame);
        det.push(r.timings.detect);
        total.push(r.timings.total);
        row.boxes[clip].push(r.faces.map((f) => f.box));
        const passed = r.faces.filter((f) => f.quality.passed).length;
        if (clip === 'crowd') { row.crowdFaces += r.faces.length; row.crowdPassed += passed; continue; }
        row.hamFaces += r.faces.length;
        row.hamPassed += passed;
        const names = r.faces.filter((f) => f.embedding).map((f) => people.matcher.identify(f.embedding!, r.modelId).name).filter((n): n is string => !!n);
        if (names.includes('lin_manuel_miranda')) row.hamLin++;
        row.hamWrong += names.filter((n) => n !== 'lin_manuel_miranda').length;
      }
      row.detMs[clip] = median(det);
      row.frameMs[clip] = median(total);
    }
    log(`${s.name}: done`);
    return row;
  } finally {
    bbt.close();
    people.close();
    engine.close();
  }
}

/** Faces found by any setting: per frame, boxes merged at IoU ≥ 0.3. */
function union(rows: Row[], clip: 'hamilton' | 'crowd'): Box[][] {
  return clips[clip].map((_, i) => {
    const all: Box[] = [];
    for (const r of rows) for (const b of r.boxes[clip][i]!) if (!all.some((a) => iou(a, b) >= 0.3)) all.push(b);
    return all;
  });
}
const recall = (r: Row, u: Box[][], clip: 'hamilton' | 'crowd') => {
  let hit = 0, n = 0;
  u.forEach((boxes, i) => { n += boxes.length; hit += boxes.filter((b) => r.boxes[clip][i]!.some((x) => iou(x, b) >= 0.3)).length; });
  return n ? hit / n : NaN;
};

try {
  const rows: Row[] = [];
  for (const s of selected) rows.push(await run(s));
  const uH = union(rows, 'hamilton'), uC = union(rows, 'crowd');
  const nH = uH.reduce((n, b) => n + b.length, 0), nC = uC.reduce((n, b) => n + b.length, 0);
  const sceneTruth = truth.reduce((n, t) => n + t.faces, 0), bbtTruth = truth.reduce((n, t) => n + t.people.length, 0);
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)} %` : '-');
  const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');
  console.log(`\nDetectors on wasm, one process; frames at 5 fps (${clips.hamilton.length} hamilton 640x360, ${clips.crowd.length} crowd scaled to ${base.ingest.maxWidth || 'full'} px wide); scenes: ${truth.length} photos, ${sceneTruth} clear faces, ${bbtTruth} bbt people visible.`);
  console.log(`Clip recall is against the union of all settings (hamilton ${nH} faces, crowd ${nC}); there are no hand-labelled boxes for the clips.\n`);
  console.log('| detector | scenes: faces found / clear | bbt people named / visible, wrong names | hamilton: faces (recall), gate-passed, frames naming Lin, wrong names | crowd: faces (recall), gate-passed | detect ms hamilton / crowd | frame ms hamilton / crowd |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.sceneFaces} / ${sceneTruth} | ${r.bbtNamed} / ${bbtTruth}, ${r.bbtWrong} | ${r.hamFaces} (${pct(recall(r, uH, 'hamilton'))}), ${r.hamPassed}, ${r.hamLin} / ${clips.hamilton.length}, ${r.hamWrong} | ${r.crowdFaces} (${pct(recall(r, uC, 'crowd'))}), ${r.crowdPassed} | ${f0(r.detMs.hamilton)} / ${f0(r.detMs.crowd)} | ${f0(r.frameMs.hamilton)} / ${f0(r.frameMs.crowd)} |`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
