/**
 * Embeddings of every LFW view-1 image (pairsDevTrain + pairsDevTest) and every bbt crop, for the
 * benchmarks that replay gallery decisions on public data (bench:lookalike). Detection and
 * landmarks run once per image (the photo path: analyzePhoto with its tight-crop retries, the
 * configured detector); each embedder aligns its own chip from the same 68 landmarks and embeds
 * it with flip test-time augmentation, exactly as the engine embeds a photo. Cached in .cache/
 * (landmarks-<alignmentVersion>-<detector>.json, shared with bench:embedders, and
 * embeddings-<alignmentVersion>-<detector>-<model>.bin), so a second run costs nothing.
 *
 *   npx tsx bench/lfw-embeddings.ts [resnet34,faceres]      (fills the cache and exits)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.js';
import { embedderNames, type EmbedderName } from '../src/config/schema.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';
import { alignmentVersion, imagesOf, lfwImageKey, lfwImagePath, pickSubjectFace, readLfwPairs, type LfwPair } from '../src/evaluation/index.js';
import { extractChip, flipChip, type Chip } from '../src/vision/align/chip.aligner.js';
import type { Point } from '../src/vision/align/similarity.js';
import { loadEmbedder } from '../src/vision/embed/load.js';
import { meanEmbedding } from '../src/common/vectors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dataDir = process.env.FACESTREAM_TEST_DATA ?? path.resolve(repoRoot, '../shared/data');
const lfwDir = path.join(dataDir, 'lfw-view1');
const bbtDir = path.join(dataDir, 'people/bbt');

export interface LfwSets {
  train: LfwPair[];
  test: LfwPair[];
  /** image key (`Name/i` for LFW, `bbt:<person>/<file>` for bbt) -> file */
  files: Map<string, string>;
  bbtKeys: string[];
}

export function lfwSets(): LfwSets {
  const train = readLfwPairs(path.join(lfwDir, 'pairsDevTrain.txt')).pairs;
  const test = readLfwPairs(path.join(lfwDir, 'pairsDevTest.txt')).pairs;
  const files = new Map<string, string>();
  for (const ref of imagesOf([...train, ...test])) files.set(lfwImageKey(ref), lfwImagePath(path.join(lfwDir, 'images'), ref));
  const bbtKeys: string[] = [];
  for (const person of readdirSync(bbtDir).sort()) {
    for (const f of readdirSync(path.join(bbtDir, person)).sort()) {
      const key = `bbt:${person}/${f}`;
      bbtKeys.push(key);
      files.set(key, path.join(bbtDir, person, f));
    }
  }
  return { train, test, files, bbtKeys };
}

/**
 * The open-set identification sets of bench:embedders and bench:lookalike (like scripts/open-set-sets.ts):
 * per LFW file, the first 150 people with >= 2 images enrolled from their first image (their other
 * images are mated probes) and the first 300 people with one image as strangers.
 */
export interface OpenSetSet { gallery: Map<string, string[]>; probes: { person: string; key: string; enrolled: boolean }[] }
export function lfwOpenSet(pairs: LfwPair[]): OpenSetSet {
  const images = new Map<string, Set<number>>();
  for (const p of pairs) for (const side of [p.a, p.b]) images.set(side.name, (images.get(side.name) ?? new Set()).add(side.index));
  const people = [...images.keys()].sort();
  const multi = people.filter((n) => images.get(n)!.size >= 2).slice(0, 150);
  const single = people.filter((n) => images.get(n)!.size === 1).slice(0, 300);
  const gallery = new Map<string, string[]>(), probes: OpenSetSet['probes'] = [];
  for (const n of multi) {
    const [first, ...rest] = [...images.get(n)!].sort((a, b) => a - b);
    gallery.set(n, [`${n}/${first}`]);
    for (const i of rest) probes.push({ person: n, key: `${n}/${i}`, enrolled: true });
  }
  for (const n of single) probes.push({ person: n, key: `${n}/${[...images.get(n)!][0]}`, enrolled: false });
  return { gallery, probes };
}

/** The person of an image key. */
export const personOfKey = (k: string): string => (k.startsWith('bbt:') ? k.slice(4).split('/')[0]! : k.split('/')[0]!);

interface Landmarks { l68: Point[] | null; pass?: string; ms: number }

/** Embeddings (null: no face) of every image of lfwSets() under each model; computed once, then cached. */
export async function lfwEmbeddings(models: readonly EmbedderName[], log: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<{ sets: LfwSets; vectors: Map<EmbedderName, Map<string, Float32Array | null>>; msPerFace: Map<EmbedderName, number> }> {
  const sets = lfwSets();
  const config = loadConfig({ env: {} });
  const cacheDir = path.join(repoRoot, '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const tag = `${alignmentVersion}-${config.detector.model}`;
  const vectors = new Map<EmbedderName, Map<string, Float32Array | null>>();
  const msPerFace = new Map<EmbedderName, number>();
  const keys = [...sets.files.keys()].sort();
  const todoModels: EmbedderName[] = [];
  for (const m of models) {
    const file = path.join(cacheDir, `embeddings-${tag}-${m}.json`);
    if (existsSync(file)) {
      const c = JSON.parse(readFileSync(file, 'utf8')) as { msPerFace: number; vectors: Record<string, string | null> };
      if (keys.every((k) => k in c.vectors)) {
        vectors.set(m, new Map(Object.entries(c.vectors).map(([k, b]) => [k, b === null ? null : new Float32Array(new Uint8Array(Buffer.from(b, 'base64')).buffer)])));
        msPerFace.set(m, c.msPerFace);
        continue;
      }
    }
    todoModels.push(m);
  }
  if (todoModels.length === 0) return { sets, vectors, msPerFace };

  const pipeline = await openFacePipeline(config);
  try {
    const lmFile = path.join(cacheDir, `landmarks-${tag}.json`);
    const landmarks = new Map<string, Landmarks>(existsSync(lmFile) ? Object.entries(JSON.parse(readFileSync(lmFile, 'utf8')) as Record<string, Landmarks>) : []);
    const todo = keys.filter((k) => !landmarks.has(k));
    const t0 = performance.now();
    for (let i = 0; i < todo.length; i++) {
      const key = todo[i]!;
      const t = performance.now();
      const r = await pipeline.analyzePhoto(sets.files.get(key)!, { embed: false });
      const face = pickSubjectFace(r.faces, r.width, r.height);
      landmarks.set(key, { l68: face ? face.landmarks68 : null, ...(r.pass ? { pass: r.pass } : {}), ms: Math.round(performance.now() - t) });
      if (i % 200 === 199 || i === todo.length - 1) {
        writeFileSync(`${lmFile}.tmp`, JSON.stringify(Object.fromEntries(landmarks)));
        renameSync(`${lmFile}.tmp`, lmFile);
        log(`landmarks ${i + 1}/${todo.length} (${((performance.now() - t0) / (i + 1)).toFixed(0)} ms/image)`);
      }
    }
    for (const m of todoModels) {
      const embedder = await loadEmbedder(m, pipeline.backend, config.engine);
      const out = new Map<string, Float32Array | null>();
      let ms = 0, faces = 0;
      const t1 = performance.now();
      for (let i = 0; i < keys.length; i += 16) {
        const chips: Chip[] = [], owners: string[] = [];
        for (const key of keys.slice(i, i + 16)) {
          const l68 = landmarks.get(key)?.l68;
          if (!l68) { out.set(key, null); continue; }
          const { imagePoints, chipPoints } = embedder.alignment(l68);
          chips.push(extractChip(await pipeline.decode(sets.files.get(key)!), imagePoints, chipPoints, embedder.chipSize));
          owners.push(key);
        }
        if (!chips.length) continue;
        const t = performance.now();
        const plain = await embedder.embed(chips);
        const flipped = await embedder.embed(chips.map(flipChip));
        ms += performance.now() - t;
        faces += chips.length;
        owners.forEach((k, j) => out.set(k, meanEmbedding(plain[j]!, flipped[j]!)));
        if (i % 800 === 0) log(`${m}: ${i}/${keys.length} (${(ms / Math.max(1, faces)).toFixed(0)} ms/face incl. flip, ${((performance.now() - t1) / 1000).toFixed(0)} s)`);
      }
      embedder.dispose();
      const file = path.join(cacheDir, `embeddings-${tag}-${m}.json`);
      const ser = Object.fromEntries([...out].map(([k, v]) => [k, v === null ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')]));
      writeFileSync(`${file}.tmp`, JSON.stringify({ msPerFace: ms / Math.max(1, faces), vectors: ser }));
      renameSync(`${file}.tmp`, file);
      vectors.set(m, out);
      msPerFace.set(m, ms / Math.max(1, faces));
    }
  } finally {
    pipeline.close();
  }
  return { sets, vectors, msPerFace };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const models = (process.argv[2] ?? 'resnet34,faceres').split(',') as EmbedderName[];
  for (const m of models) if (!embedderNames.includes(m)) throw new Error(`unknown model ${m}`);
  await lfwEmbeddings(models);
}
