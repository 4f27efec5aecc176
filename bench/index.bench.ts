/**
 * HNSW index benchmark: recall@1 against exact search and query latency, on REAL embeddings
 * (LFW, ResNet-34) and then at scale with SYNTHETIC distractors drawn to match the real
 * embeddings' distribution (Gaussian with the real per-dimension mean and standard deviation,
 * L2-normalised). Prints one table.
 *
 *   npm run bench:index -- [--images 1500] [--scales 100000,1000000] [--queries 200]
 *                          [--M 16] [--efc 200] [--ef 16,32,64,128,256]
 *
 * Embeddings are cached in .cache/lfw-embeddings-<model>.json (gitignored) so a rerun skips the
 * ~0.3 s/image embedding step; an interrupted run resumes where it stopped.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import { HnswIndex, type HnswParams } from '../src/identify/hnsw.index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.FACESTREAM_TEST_DATA ?? path.resolve(repoRoot, '../shared/data');
const lfwDir = path.join(dataDir, 'lfw-view1/images');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const numbers = (s: string) => s.split(',').filter(Boolean).map(Number);

const nImages = Number(arg('images', '1500'));
const scales = numbers(arg('scales', '100000'));
const nQueries = Number(arg('queries', '200'));
const Ms = numbers(arg('M', '16'));
const efConstruction = Number(arg('efc', '200'));
const efs = numbers(arg('ef', '16,32,64,128,256'));

interface Item { file: string; person: string; embedding: Float32Array }

async function realEmbeddings(): Promise<{ modelId: string; items: Item[] }> {
  const people = readdirSync(lfwDir).sort();
  const files: { file: string; person: string }[] = [];
  for (const p of people) for (const f of readdirSync(path.join(lfwDir, p)).sort()) files.push({ file: `${p}/${f}`, person: p });
  // A fixed stride over the sorted list: deterministic, and spread over all names.
  const stride = Math.max(1, files.length / nImages);
  const chosen = Array.from({ length: Math.min(nImages, files.length) }, (_, i) => files[Math.floor(i * stride)]!);
  const config = loadConfig({ env: {} });
  const cacheFile = path.join(repoRoot, '.cache', `lfw-embeddings-${config.embedder.model}.json`);
  const cache = new Map<string, string | null>();
  if (existsSync(cacheFile)) for (const [k, v] of Object.entries(JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string | null>)) cache.set(k, v);
  const todo = chosen.filter((c) => !cache.has(c.file));
  let modelId: string = config.embedder.model;
  if (todo.length) {
    const engine = await openFacePipeline(config);
    modelId = engine.modelId;
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    const save = () => writeFileSync(cacheFile, JSON.stringify(Object.fromEntries(cache)));
    const t0 = performance.now();
    try {
      for (let i = 0; i < todo.length; i++) {
        const r = await engine.analyze(path.join(lfwDir, todo[i]!.file));
        const usable = r.faces.filter((f) => f.embedding);
        // LFW photos are centred on the named person: take the face nearest the centre.
        const centre = (f: (typeof usable)[number]) => Math.hypot(f.box.x + f.box.width / 2 - r.width / 2, f.box.y + f.box.height / 2 - r.height / 2);
        const face = usable.sort((a, b) => centre(a) - centre(b))[0];
        cache.set(todo[i]!.file, face ? Buffer.from(face.embedding!.buffer, face.embedding!.byteOffset, face.embedding!.byteLength).toString('base64') : null);
        if (i % 50 === 49) {
          save();
          process.stderr.write(`embedded ${i + 1}/${todo.length} (${((performance.now() - t0) / (i + 1)).toFixed(0)} ms/image)\n`);
        }
      }
    } finally {
      save();
      engine.close();
    }
  }
  const items: Item[] = [];
  for (const c of chosen) {
    const b64 = cache.get(c.file);
    if (!b64) continue;
    const buf = Buffer.from(b64, 'base64');
    items.push({ ...c, embedding: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice() });
  }
  return { modelId, items };
}

/** A seeded PRNG (mulberry32) and Box-Muller normals: reruns draw the same distractors. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

function synthetic(real: Float32Array[], count: number, seed: number): Float32Array {
  const dim = real[0]!.length;
  const mean = new Float64Array(dim), sd = new Float64Array(dim);
  for (const v of real) for (let i = 0; i < dim; i++) mean[i]! += v[i]! / real.length;
  for (const v of real) for (let i = 0; i < dim; i++) sd[i]! += (v[i]! - mean[i]!) ** 2 / real.length;
  for (let i = 0; i < dim; i++) sd[i] = Math.sqrt(sd[i]!);
  const rnd = gaussian(seed);
  const out = new Float32Array(count * dim);
  for (let n = 0; n < count; n++) {
    let norm = 0;
    for (let i = 0; i < dim; i++) { const x = mean[i]! + sd[i]! * rnd(); out[n * dim + i] = x; norm += x * x; }
    norm = Math.sqrt(norm);
    for (let i = 0; i < dim; i++) out[n * dim + i]! /= norm;
  }
  return out;
}

/** Exact top-1 by brute force over a flat matrix of L2-normalised rows. */
function exactTop1(flat: Float32Array, dim: number, q: Float32Array): number {
  let best = -1, bestDot = -Infinity;
  const n = flat.length / dim;
  for (let r = 0; r < n; r++) {
    let dot = 0;
    const o = r * dim;
    for (let i = 0; i < dim; i++) dot += flat[o + i]! * q[i]!;
    if (dot > bestDot) { bestDot = dot; best = r; }
  }
  return best;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; };
const mib = (b: number) => (b / 1048576).toFixed(1);

interface Row { data: string; n: number; M: number; efc: number; ef: number; buildS: string; memMiB: string; fileMiB: string; loadMs: string; recall1: string; medianMs: string; p99Ms: string }

async function main(): Promise<void> {
  const { modelId, items } = await realEmbeddings();
  const dim = items[0]!.embedding.length;
  // Queries: one held-out photo of each person with several photos (a realistic probe:
  // a new photo of an enrolled person); every other photo goes into the index.
  const byPerson = new Map<string, number[]>();
  items.forEach((it, i) => byPerson.set(it.person, [...(byPerson.get(it.person) ?? []), i]));
  const queryIdx = new Set([...byPerson.values()].filter((ix) => ix.length > 1).map((ix) => ix[0]!).slice(0, nQueries));
  // Top up with photos of people with a single photo (recall vs exact needs no same-person
  // match, only a query that is not in the index), evenly spread over the list.
  const rest = items.map((_, i) => i).filter((i) => !queryIdx.has(i) && byPerson.get(items[i]!.person)!.length === 1);
  const need = Math.max(0, nQueries - queryIdx.size);
  for (let k = 0; k < need && k < rest.length; k++) queryIdx.add(rest[Math.floor((k * rest.length) / need)]!);
  const queries = [...queryIdx].map((i) => items[i]!);
  const base = items.filter((_, i) => !queryIdx.has(i));
  process.stderr.write(`${modelId}: ${items.length} real embeddings (${nImages} LFW images asked), ${base.length} indexed, ${queries.length} queries\n`);

  const rows: Row[] = [];
  const runScale = (label: string, flat: Float32Array, n: number, M: number) => {
    const params: HnswParams = { M, efConstruction, efSearch: 64 };
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const index = HnswIndex.create(dim, params, n);
    for (let r = 0; r < n; r++) index.add(r, flat.subarray(r * dim, (r + 1) * dim));
    const buildS = (performance.now() - t0) / 1000;
    const memMiB = mib(process.memoryUsage().rss - rss0);
    const dir = path.join(tmpdir(), `fs-bench-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'index.hnsw');
    index.writeFile(file);
    const fileMiB = mib(statSync(file).size);
    const t1 = performance.now();
    const loaded = HnswIndex.readFile(file, dim, params, Array.from({ length: n }, (_, i) => i));
    const loadMs = (performance.now() - t1).toFixed(0);
    rmSync(dir, { recursive: true, force: true });
    const truth = queries.map((q) => exactTop1(flat, dim, q.embedding));
    for (const ef of efs) {
      const searcher = loaded;
      searcher.setEfSearch(ef);
      const times: number[] = [];
      let hits = 0;
      // warm-up pass so the first queries do not pay for page faults
      for (const q of queries.slice(0, 20)) searcher.search(q.embedding, 1);
      queries.forEach((q, qi) => {
        const t = performance.now();
        const r = searcher.search(q.embedding, 1);
        times.push(performance.now() - t);
        if (r[0]?.label === truth[qi]) hits++;
      });
      rows.push({ data: label, n, M, efc: efConstruction, ef, buildS: buildS.toFixed(1), memMiB, fileMiB, loadMs, recall1: (hits / queries.length).toFixed(4), medianMs: pct(times, 0.5).toFixed(3), p99Ms: pct(times, 0.99).toFixed(3) });
    }
    process.stderr.write(`done: ${label} n=${n} M=${M} (build ${buildS.toFixed(1)} s)\n`);
  };

  const realFlat = new Float32Array(base.length * dim);
  base.forEach((b, i) => realFlat.set(b.embedding, i * dim));
  for (const M of Ms) runScale('real LFW', realFlat, base.length, M);

  // Identification sanity on the real data: is the exact nearest indexed photo the same person?
  const genuine = queries.filter((q) => byPerson.get(q.person)!.length > 1);
  const sameTop1 = genuine.filter((q) => base[exactTop1(realFlat, dim, q.embedding)]!.person === q.person).length;
  process.stderr.write(`exact top-1 is the same person for ${sameTop1}/${genuine.length} real queries of people with several photos\n`);

  for (const scale of scales) {
    if (scale <= base.length) continue;
    const syn = synthetic(base.map((b) => b.embedding), scale - base.length, 42);
    const flat = new Float32Array(scale * dim);
    flat.set(realFlat, 0);
    flat.set(syn, realFlat.length);
    for (const M of Ms) runScale(`real + synthetic`, flat, scale, M);
  }

  console.log(`\nHNSW (hnswlib-node, cosine) vs exact search; ${modelId} ${dim}-d; ${queries.length} real LFW queries; one thread`);
  console.log('memory = RSS growth while building (rough); latency = one searchKnn(k=1) call from JS');
  const cols: (keyof Row)[] = ['data', 'n', 'M', 'efc', 'ef', 'buildS', 'memMiB', 'fileMiB', 'loadMs', 'recall1', 'medianMs', 'p99Ms'];
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(line(cols));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}

await main();
