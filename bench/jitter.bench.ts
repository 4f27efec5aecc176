/**
 * npm run bench:jitter — does enrollment jitter (embedder.enrollJitter) help identification?
 * Open-set protocol on people the thresholds were not tuned on (LFW pairsDevTest): per enrolled
 * person the first photo is the gallery sample, the others are mated probes; people with a single
 * photo are strangers. Gallery samples are embedded with 0 and with N jittered chips; probes as
 * photos (flip by default). The product's decision rule: the nearest person is named when its
 * distance ≤ identify.thresholds.<model> and the runner-up is at least identify.minMargins.<model>
 * farther. Prints rank-1, FNIR (mated probes not given their name), FPIR (strangers named) and
 * wrong names per setting.   Options: --people 100 --strangers 100 --jitters 0,4,8
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { readLfwPairs } from '../src/evaluation/lfw-pairs.protocol.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import { cosineDistance } from '../src/vision/embed/index.js';

const { values: args } = parseArgs({ options: { people: { type: 'string', default: '100' }, strangers: { type: 'string', default: '100' }, jitters: { type: 'string', default: '0,4,8' } } });
const data = resolve(process.env.FACESTREAM_TEST_DATA ?? resolve(import.meta.dirname, '../../shared/data'));
const config = loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' } } });
const engine = await openFacePipeline(config);
const model = config.embedder.model;
const threshold = config.identify.thresholds[model], margin = config.identify.minMargins[model];

const images = new Map<string, Set<number>>();
for (const p of readLfwPairs(join(data, 'lfw-view1/pairsDevTest.txt')).pairs) for (const s of [p.a, p.b]) images.set(s.name, (images.get(s.name) ?? new Set()).add(s.index));
const names = [...images.keys()].sort();
const file = (n: string, i: number) => join(data, 'lfw-view1/images', n, `${n}_${String(i).padStart(4, '0')}.jpg`);
const enrolled = names.filter((n) => images.get(n)!.size >= 2).slice(0, Number(args.people));
const strangers = names.filter((n) => images.get(n)!.size === 1).slice(0, Number(args.strangers));

async function embed(path: string, jitter: number): Promise<Float32Array | undefined> {
  const r = await engine.analyzePhoto(path, { jitter });
  const faces = r.faces.filter((f) => f.embedding);
  // the subject: the largest embedded face
  return faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0]?.embedding;
}

const probes: { person: string | null; v: Float32Array }[] = [];
for (const n of enrolled) for (const i of [...images.get(n)!].sort((a, b) => a - b).slice(1)) { const v = await embed(file(n, i), 0); if (v) probes.push({ person: n, v }); }
for (const n of strangers) { const v = await embed(file(n, [...images.get(n)!][0]!), 0); if (v) probes.push({ person: null, v }); }
process.stderr.write(`bench: ${enrolled.length} enrolled people, ${probes.filter((p) => p.person).length} mated probes, ${probes.filter((p) => !p.person).length} strangers\n`);

const rows: string[] = [];
for (const jitter of args.jitters!.split(',').map(Number)) {
  const t0 = performance.now();
  const gallery: { person: string; v: Float32Array }[] = [];
  for (const n of enrolled) { const v = await embed(file(n, Math.min(...images.get(n)!)), jitter); if (v) gallery.push({ person: n, v }); }
  const msPerSample = (performance.now() - t0) / enrolled.length;
  let rank1 = 0, named = 0, wrong = 0, strangersNamed = 0;
  const mated = probes.filter((p) => p.person), lone = probes.filter((p) => !p.person);
  for (const p of probes) {
    const d = gallery.map((g) => ({ person: g.person, d: cosineDistance(p.v, g.v) })).sort((a, b) => a.d - b.d);
    const [best, second] = d;
    const name = best && best.d <= threshold && (!second || second.d - best.d >= margin) ? best.person : null;
    if (p.person) {
      if (best?.person === p.person) rank1++;
      if (name === p.person) named++; else if (name) wrong++;
    } else if (name) strangersNamed++;
  }
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
  rows.push(`| ${jitter} | ${pct(rank1, mated.length)} | ${pct(mated.length - named, mated.length)} | ${pct(strangersNamed, lone.length)} | ${wrong} | ${msPerSample.toFixed(0)} |`);
  process.stderr.write(`bench: jitter ${jitter} done\n`);
}
console.log(`\nEnrollment jitter, LFW pairsDevTest people (${enrolled.length} enrolled from one photo, ${strangers.length} strangers), ${engine.modelId}, threshold ${threshold}, margin ${margin}, probes flipped (photoFlip ${config.embedder.photoFlip})`);
console.log('| enrollJitter | rank-1 | FNIR (mated not named) | FPIR (strangers named) | wrong names | ms per gallery photo |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
engine.close();
