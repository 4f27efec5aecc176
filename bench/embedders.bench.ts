/**
 * Every embedder we can ship, measured the same way (issue 12 item 3).
 *
 * Detection and landmarks run ONCE per image (the default photo path: analyzePhoto with its
 * tight-crop retries, the configured detector) and are cached in .cache/landmarks-<alignmentVersion>-<detector>.json; each embedder
 * then aligns its own chip from the same 68 landmarks and embeds it (flip TTA unless --no-flip).
 * So the embedders are compared on identical faces, and a new preprocessing variant costs only
 * its embedding time.
 *
 * Protocols (LFW view 1, persons disjoint between the two files):
 *  - thresholds: best accuracy on pairsDevTrain; accuracy reported on pairsDevTest with that
 *    threshold, failed images (no face) counted as wrong ("strict") and on scored pairs only;
 *    AUC and TAR at FAR 1e-3 on pairsDevTest.
 *  - look-alikes: the hardest impostor pairs. Every cross-person pair of pairsDevTest's images
 *    (~1.8 M) is scored by each embedder; the look-alike set is the union of each embedder's
 *    --lookalikes closest impostor pairs (so no embedder picks the set alone), plus all
 *    cross-person pairs of the bbt crops (7 TV actors). Reported: the share of the look-alike
 *    set each embedder accepts at its own DevTrain threshold.
 *  - centred (name·c): minus the mean embedding of the DevTrain faces, renormalised. Some graphs
 *    put most of every output in one shared direction, which cosine similarity cannot see past.
 *  - open-set identification (1:N): the decision (threshold + margin) at FPIR 1 % on DevTrain
 *    people (sets as scripts/open-set-sets.ts builds them), its FPIR / FNIR / wrong names and
 *    rank-1 on DevTest people, and on the bbt crops (4 enrolled from one crop, 3 strangers).
 *  - fusion: score-level, the mean of the members' cosine similarities; threshold from DevTrain.
 *
 *   npm run bench:embedders -- [--variants resnet34,faceres,...] [--no-flip] [--lookalikes 1000]
 *                              [--centre raw|centred|both] [--fuse resnet34+faceres·c@0.8,...]
 *                              [--landmarks-only] [--subset N]   (N pairs of each kind per file)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import { alignmentVersion, imagesOf, lfwImageKey, lfwImagePath, pickSubjectFace, readLfwPairs, type LfwPair } from '../src/evaluation/index.js';
import { calibrateOpenSet, openSetRates, type OpenSetProbe } from '../src/evaluation/open-set.calibration.js';
import { bestAccuracyThreshold, confusionAt, rocAuc, rocCurve, thresholdAtFar, type ScoredPair } from '../src/evaluation/verification.metrics.js';
import { extractChip, flipChip, type Chip } from '../src/vision/align/chip.aligner.js';
import type { Point } from '../src/vision/align/similarity.js';
import { embedderVariants, type EmbedderVariant } from '../src/vision/embed/variants.js';
import { lfwOpenSet, type OpenSetSet } from './lfw-embeddings.js';
import { meanEmbedding } from '../src/common/vectors.js';
import type { RgbImage } from '../src/vision/decode/image.decoder.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.FACESTREAM_TEST_DATA ?? path.resolve(repoRoot, '../shared/data');
const lfwDir = path.join(dataDir, 'lfw-view1');
const bbtDir = path.join(dataDir, 'people/bbt');

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const flip = !argv.includes('--no-flip');
const nLookalikes = Number(arg('lookalikes', '1000'));
const subset = Number(arg('subset', '0'));

interface Landmarks { l68: Point[] | null; pass?: string; ms: number }

function pairsOf(file: string): LfwPair[] {
  const all = readLfwPairs(path.join(lfwDir, file)).pairs;
  if (!subset) return all;
  return [...all.filter((p) => p.same).slice(0, subset), ...all.filter((p) => !p.same).slice(0, subset)];
}

const train = pairsOf('pairsDevTrain.txt');
const test = pairsOf('pairsDevTest.txt');
const bbt = readdirSync(bbtDir).sort().flatMap((person) => readdirSync(path.join(bbtDir, person)).sort().map((f) => ({ person, file: path.join(bbtDir, person, f) })));
const imageFiles = new Map<string, string>();
for (const ref of imagesOf([...train, ...test])) imageFiles.set(lfwImageKey(ref), lfwImagePath(path.join(lfwDir, 'images'), ref));
for (const b of bbt) imageFiles.set(`bbt:${path.relative(bbtDir, b.file)}`, b.file);

const config = loadConfig({ env: {} });
const pipeline = await openFacePipeline(config);
const cacheFile = path.join(repoRoot, '.cache', `landmarks-${alignmentVersion}-${config.detector.model}.json`);
const landmarks = new Map<string, Landmarks>(existsSync(cacheFile) ? Object.entries(JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, Landmarks>) : []);
{
  const todo = [...imageFiles].filter(([k]) => !landmarks.has(k));
  mkdirSync(path.dirname(cacheFile), { recursive: true });
  const save = () => writeFileSync(cacheFile, JSON.stringify(Object.fromEntries(landmarks)));
  const t0 = performance.now();
  for (let i = 0; i < todo.length; i++) {
    const [key, file] = todo[i]!;
    const t = performance.now();
    const r = await pipeline.analyzePhoto(file, { embed: false });
    const face = pickSubjectFace(r.faces, r.width, r.height);
    landmarks.set(key, { l68: face ? face.landmarks68 : null, ...(r.pass ? { pass: r.pass } : {}), ms: Math.round(performance.now() - t) });
    if (i % 100 === 99 || i === todo.length - 1) {
      save();
      process.stderr.write(`landmarks ${i + 1}/${todo.length} (${((performance.now() - t0) / (i + 1)).toFixed(0)} ms/image)\n`);
    }
  }
}
if (argv.includes('--landmarks-only')) { pipeline.close(); process.exit(0); }

const failed = [...imageFiles.keys()].filter((k) => !landmarks.get(k)?.l68);
process.stderr.write(`${imageFiles.size} images, ${failed.length} without a face${failed.length ? `: ${failed.slice(0, 10).join(', ')}` : ''}\n`);

// ---------------------------------------------------------------------------------------------
const decoded = new Map<string, RgbImage>();
async function image(key: string): Promise<RgbImage> {
  let im = decoded.get(key);
  if (!im) { im = await pipeline.decode(imageFiles.get(key)!); decoded.set(key, im); }
  return im;
}

/** key -> embedding per variant (null: no face). */
async function embedAll(v: EmbedderVariant, keys: string[]): Promise<{ vectors: Map<string, Float32Array | null>; msPerFace: number }> {
  const vectors = new Map<string, Float32Array | null>();
  const batch = 16;
  let ms = 0, faces = 0;
  for (let i = 0; i < keys.length; i += batch) {
    const chips: Chip[] = [], owners: string[] = [];
    for (const key of keys.slice(i, i + batch)) {
      const l68 = landmarks.get(key)?.l68;
      if (!l68) { vectors.set(key, null); continue; }
      const { imagePoints, chipPoints } = v.alignment(l68);
      chips.push(extractChip(await image(key), imagePoints, chipPoints, v.chipSize));
      owners.push(key);
    }
    if (!chips.length) continue;
    const t0 = performance.now();
    const plain = await v.embed(chips);
    const out = flip ? (await v.embed(chips.map(flipChip))).map((f, k) => meanEmbedding(plain[k]!, f)) : plain;
    ms += performance.now() - t0;
    faces += chips.length;
    owners.forEach((k, j) => vectors.set(k, out[j]!));
  }
  return { vectors, msPerFace: ms / Math.max(1, faces) };
}

function meanOf(vs: Float32Array[]): Float32Array {
  const m = new Float32Array(vs[0]!.length);
  for (const v of vs) for (let i = 0; i < m.length; i++) m[i]! += v[i]! / vs.length;
  return m;
}
function centre(x: Float32Array, mean: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) { out[i] = x[i]! - mean[i]!; n += out[i]! ** 2; }
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < x.length; i++) out[i]! /= n;
  return out;
}
const dot = (a: Float32Array, b: Float32Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };

type Sims = (a: string, b: string) => number | null;
function scored(pairs: LfwPair[], sim: Sims): { scores: ScoredPair[]; failedPairs: number } {
  const scores: ScoredPair[] = [];
  let failedPairs = 0;
  for (const p of pairs) {
    const s = sim(lfwImageKey(p.a), lfwImageKey(p.b));
    if (s === null) failedPairs++;
    else scores.push({ distance: 1 - s, same: p.same });
  }
  return { scores, failedPairs };
}

interface Row { embedder: string; dim: number; msFace: string; threshold: string; trainAcc: string; testStrict: string; testScored: string; auc: string; tar1e3: string; failedPairs: number; lookalikeFmr: string; bbtFmr: string; bbtFnmr: string; identify: string; testFpirFnir: string; testRank1: string; bbtIdFpirFnir: string }

const wanted = arg('variants', 'resnet34,mobileface,faceres,faceres-deep,mobilefacenet').split(',');
const variants: EmbedderVariant[] = [];
for (const name of wanted) {
  const make = embedderVariants[name];
  if (!make) throw new Error(`unknown variant ${name}: ${Object.keys(embedderVariants).join(', ')}`);
  variants.push(await make(pipeline.backend));
}
const testKeys = [...new Set(test.flatMap((p) => [lfwImageKey(p.a), lfwImageKey(p.b)]))];
const trainKeys = [...new Set(train.flatMap((p) => [lfwImageKey(p.a), lfwImageKey(p.b)]))];
const allKeys = [...imageFiles.keys()];
const sims = new Map<string, Sims>();
const msFace = new Map<string, number>();
const dims = new Map<string, number>();
const centring = arg('centre', 'both'); // raw | centred | both
const lookalikeFrom: string[] = [];
const register = (name: string, vectors: Map<string, Float32Array | null>, ms: number, dim: number) => {
  sims.set(name, (a, b) => { const x = vectors.get(a), y = vectors.get(b); return x && y ? dot(x, y) : null; });
  msFace.set(name, ms);
  dims.set(name, dim);
  lookalikeFrom.push(name);
};
for (const v of variants) {
  const t0 = performance.now();
  const { vectors, msPerFace } = await embedAll(v, allKeys);
  process.stderr.write(`${v.name}: ${allKeys.length} images embedded in ${((performance.now() - t0) / 1000).toFixed(0)} s (${msPerFace.toFixed(1)} ms/face${flip ? ' incl. flip' : ''})\n`);
  if (centring !== 'centred') register(v.name, vectors, msPerFace, v.dim);
  if (centring !== 'raw') {
    // centred: minus the mean embedding of the DevTrain faces (training data only), renormalised
    const train = trainKeys.map((k) => vectors.get(k)).filter((x): x is Float32Array => !!x);
    const mean = meanOf(train);
    const centred = new Map([...vectors].map(([k, x]) => [k, x ? centre(x, mean) : null]));
    register(`${v.name}·c`, centred, msPerFace, v.dim);
  }
}
// fusions (--fuse a+b@0.8,a+b+c): score-level. Each member's cosine similarity is standardised
// by the mean and sd of its DevTrain impostor scores, then weighted: the first member gets w
// (default: equal weights), the others share 1-w. Equivalent to one concatenated embedding
// [sqrt(k1)*e1, sqrt(k2)*e2, ...] with k_i = w_i / sd_i (the means only shift the threshold).
const fusions = arg('fuse', '').split(',').filter(Boolean).map((f) => { const [m, w] = f.split('@'); return { members: m!.split('+'), w: w === undefined ? undefined : Number(w) }; });
for (const { members, w } of fusions) {
  const fns = members.map((m) => { const f = sims.get(m); if (!f) throw new Error(`--fuse: ${m} is not measured in this run (${[...sims.keys()].join(', ')})`); return f; });
  const weights = members.map((_, i) => (w === undefined ? 1 / members.length : i === 0 ? w : (1 - w) / (members.length - 1)));
  const stats = fns.map((f) => {
    const s = train.filter((p) => !p.same).map((p) => f(lfwImageKey(p.a), lfwImageKey(p.b))).filter((x): x is number => x !== null);
    const m = s.reduce((a, b) => a + b, 0) / s.length;
    return { m, sd: Math.sqrt(s.reduce((a, b) => a + (b - m) ** 2, 0) / s.length) };
  });
  const label = `${members.join('+')}${w === undefined ? '' : `@${w}`}`;
  process.stderr.write(`${label}: impostor mean/sd ${stats.map((x) => `${x.m.toFixed(4)}/${x.sd.toFixed(4)}`).join(', ')}; concatenation weights ${weights.map((x, i) => (x / stats[i]!.sd).toFixed(3)).join(', ')}\n`);
  // mapped back to a cosine-like similarity in [-1, 1]-ish so 1 - s stays a "distance"
  sims.set(label, (a, b) => {
    let s = 0;
    for (let i = 0; i < fns.length; i++) { const x = fns[i]!(a, b); if (x === null) return null; s += (weights[i]! * (x - stats[i]!.m)) / stats[i]!.sd; }
    return s / 100;
  });
  msFace.set(label, members.reduce((s, m) => s + msFace.get(m)!, 0));
  dims.set(label, members.reduce((s, m) => s + dims.get(m)!, 0));
}
const names = lookalikeFrom;

// look-alike set: the union of each single embedder's hardest cross-person pairs of DevTest images
const personOf = (k: string) => k.split('/')[0]!;
const lookalikes = new Set<string>();
for (const name of names) {
  const sim = sims.get(name)!;
  const keysOf: [string, string][] = [];
  const scores: number[] = [];
  for (let i = 0; i < testKeys.length; i++) {
    for (let j = i + 1; j < testKeys.length; j++) {
      const a = testKeys[i]!, b = testKeys[j]!;
      if (personOf(a) === personOf(b)) continue;
      const s = sim(a, b);
      if (s === null) continue;
      keysOf.push([a, b]);
      scores.push(s);
    }
  }
  const order = Array.from(scores.keys()).sort((x, y) => scores[y]! - scores[x]!).slice(0, nLookalikes);
  const top = order.map((i) => ({ k: keysOf[i]!.join('|') }));
  for (const t of top) lookalikes.add(t.k);
}
const bbtKeys = bbt.map((b) => `bbt:${path.relative(bbtDir, b.file)}`);
const bbtPerson = (k: string) => k.slice(4).split('/')[0]!;


// Open-set identification sets, built like scripts/open-set-sets.ts: per LFW file, the first 150
// people with >= 2 images enrolled from their first image (their other images are mated probes)
// and the first 300 people with one image as strangers; bbt: 4 people enrolled from one crop,
// 3 strangers. The decision (threshold + margin) is calibrated at FPIR 1 % on DevTrain people.
function bbtOpenSet(): OpenSetSet {
  const people = [...new Set(bbtKeys.map(bbtPerson))].sort();
  const gallery = new Map<string, string[]>(), probes: OpenSetSet['probes'] = [];
  people.forEach((n, k) => {
    const keys = bbtKeys.filter((x) => bbtPerson(x) === n).sort();
    keys.forEach((key, i) => { if (k % 2 === 0 && i === 0) gallery.set(n, [key]); else probes.push({ person: n, key, enrolled: k % 2 === 0 }); });
  });
  return { gallery, probes };
}
function openSetProbes(set: OpenSetSet, sim: Sims): OpenSetProbe[] {
  return set.probes.map((p) => {
    const ranked: { person: string; distance: number }[] = [];
    for (const [person, keys] of set.gallery) {
      let best = Infinity;
      for (const g of keys) { const s = sim(p.key, g); if (s !== null) best = Math.min(best, 1 - s); }
      if (best < Infinity) ranked.push({ person, distance: best });
    }
    ranked.sort((a, b) => a.distance - b.distance);
    // a probe without a face can name nobody: an empty ranking (missed when enrolled)
    return { person: p.person, enrolled: p.enrolled, ranked: sim(p.key, p.key) === null ? [] : ranked };
  });
}
const openSets = { train: lfwOpenSet(train), test: lfwOpenSet(test), bbt: bbtOpenSet() };
const pct = (x: number) => `${(x * 100).toFixed(1)}`;

const rows: Row[] = [];
for (const [name, sim] of sims) {
  const tr = scored(train, sim), te = scored(test, sim);
  const cal = bestAccuracyThreshold(tr.scores);
  const atTest = confusionAt(te.scores, cal.threshold);
  const correct = atTest.tp + atTest.tn;
  const far3 = thresholdAtFar(te.scores, 1e-3);
  let la = 0, laN = 0;
  for (const k of lookalikes) {
    const [a, b] = k.split('|') as [string, string];
    const s = sim(a, b);
    if (s === null) continue;
    laN++;
    if (1 - s <= cal.threshold) la++;
  }
  let bFm = 0, bImp = 0, bFnm = 0, bGen = 0;
  for (let i = 0; i < bbtKeys.length; i++) for (let j = i + 1; j < bbtKeys.length; j++) {
    const s = sim(bbtKeys[i]!, bbtKeys[j]!);
    if (s === null) continue;
    if (bbtPerson(bbtKeys[i]!) === bbtPerson(bbtKeys[j]!)) { bGen++; if (1 - s > cal.threshold) bFnm++; } else { bImp++; if (1 - s <= cal.threshold) bFm++; }
  }
  const decision = calibrateOpenSet(openSetProbes(openSets.train, sim), 0.01);
  const testProbes = openSetProbes(openSets.test, sim);
  const onTest = openSetRates(testProbes, decision);
  const mated = testProbes.filter((p) => p.enrolled);
  const rank1 = mated.filter((p) => p.ranked[0]?.person === p.person).length / Math.max(1, mated.length);
  const onBbt = openSetRates(openSetProbes(openSets.bbt, sim), decision);
  rows.push({
    identify: `${decision.threshold.toFixed(4)} m${decision.minMargin}`, testFpirFnir: `${pct(onTest.fpir)} / ${pct(onTest.fnir)} (wrong ${pct(onTest.wrongName)})`,
    testRank1: pct(rank1), bbtIdFpirFnir: `${pct(onBbt.fpir)} / ${pct(onBbt.fnir)} (wrong ${pct(onBbt.wrongName)})`,
    embedder: name, dim: dims.get(name)!, msFace: msFace.get(name)!.toFixed(1), threshold: cal.threshold.toFixed(4),
    trainAcc: (cal.accuracy * 100).toFixed(2), testStrict: ((correct / test.length) * 100).toFixed(2),
    testScored: ((correct / te.scores.length) * 100).toFixed(2), auc: rocAuc(rocCurve(te.scores)).toFixed(4),
    tar1e3: (far3.tar * 100).toFixed(1), failedPairs: te.failedPairs,
    lookalikeFmr: `${((la / Math.max(1, laN)) * 100).toFixed(1)}% (${la}/${laN})`,
    bbtFmr: `${((bFm / Math.max(1, bImp)) * 100).toFixed(2)}% (${bFm}/${bImp})`,
    bbtFnmr: `${((bFnm / Math.max(1, bGen)) * 100).toFixed(1)}% (${bFnm}/${bGen})`,
  });
}
process.stderr.write(`look-alike set: ${lookalikes.size} impostor pairs (union of each embedder's ${nLookalikes} closest cross-person pairs among ${testKeys.length} DevTest images)\n`);
console.log(`LFW view 1: threshold = best accuracy on pairsDevTrain (${train.length} pairs), reported on pairsDevTest (${test.length} pairs); flip ${flip ? 'on' : 'off'}; backend ${pipeline.backend.name}`);
console.table(rows);
for (const v of variants) v.dispose();
pipeline.close();
