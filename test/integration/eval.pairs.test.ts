import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { openFacePipeline } from '../../src/roles/face-pipeline.factory.js';
import { EmbeddingCache, ImageEmbeddingSource, type PairsEvaluation } from '../../src/evaluation/index.js';
import { cosineDistance } from '../../src/vision/embed/embedder.js';
import { dataPath } from '../helpers/data.js';

/**
 * `eval pairs` on 100 pairs of pairsDevTest (50 genuine + 50 impostor, chosen to share images so
 * the test embeds 144 photos), checked against accuracy computed here from the pairs file, with
 * embeddings spot-checked against FacePipeline directly (a second full pass would double the runtime).
 */
const images = dataPath('lfw-view1/images');
const threshold = 0.09;

function subset(): { text: string; pairs: string[][] } {
  const lines = readFileSync(dataPath('lfw-view1/pairsDevTest.txt'), 'utf8').trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  const imgs = (f: string[]) => (f.length === 3 ? [`${f[0]}/${f[1]}`, `${f[0]}/${f[2]}`] : [`${f[0]}/${f[1]}`, `${f[2]}/${f[3]}`]);
  const chosen = new Set<string>();
  const out: string[][] = [];
  for (const pool of [lines.slice(0, 500), lines.slice(500)]) {
    const cand = [...pool];
    for (let i = 0; i < 50; i++) {
      let best = 0, cost = Infinity;
      cand.forEach((f, k) => { const c = imgs(f).filter((x) => !chosen.has(x)).length; if (c < cost) { cost = c; best = k; } });
      const [f] = cand.splice(best, 1);
      imgs(f!).forEach((x) => chosen.add(x));
      out.push(f!);
    }
  }
  return { text: `50\n${out.map((f) => f.join('\t')).join('\n')}\n`, pairs: out };
}

const pathOf = (name: string, i: string) => join(images, name, `${name}_${i.padStart(4, '0')}.jpg`);

describe('eval pairs on a 100-pair subset of LFW pairsDevTest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-evalpairs-'));
  const { text, pairs } = subset();
  let engine: FacePipeline;

  beforeAll(async () => {
    writeFileSync(join(dir, 'pairs.txt'), text);
    engine = await openFacePipeline(loadConfig({ env: {}, overrides: { engine: { backend: 'wasm' } } }));
  });
  afterAll(() => { engine?.close(); rmSync(dir, { recursive: true, force: true }); });

  it('matches the accuracy computed here from the pairs file and FacePipeline', { timeout: 400_000 }, async () => {
    const json = join(dir, 'out.json'), report = join(dir, 'report');
    await buildProgram().parseAsync(['node', 'facestream', '--backend', 'wasm', 'eval', 'pairs', '--pairs', join(dir, 'pairs.txt'), '--images', images,
      '--threshold', String(threshold), '--json', json, '--report', report, '--cache-dir', join(dir, 'cache')], { from: 'node' });
    expect(process.exitCode ?? 0).toBe(0);
    const out = JSON.parse(readFileSync(json, 'utf8')) as PairsEvaluation;
    // independent: the pairs file read here, each image's embedding (the cache the CLI filled,
    // spot-checked against FacePipeline directly), the distance, the threshold, failures as wrong
    const cached = new ImageEmbeddingSource(engine, new EmbeddingCache(join(dir, 'cache')), false);
    const emb = new Map<string, Float32Array | null>();
    const embedOf = async (p: string) => {
      if (!emb.has(p)) { const e = await cached.embed(p); expect(e.cached).toBe(true); emb.set(p, e.embedding ?? null); }
      return emb.get(p)!;
    };
    let correct = 0, failed = 0;
    for (const f of pairs) {
      const [a, b] = f.length === 3 ? [pathOf(f[0]!, f[1]!), pathOf(f[0]!, f[2]!)] : [pathOf(f[0]!, f[1]!), pathOf(f[2]!, f[3]!)];
      const ea = await embedOf(a), eb = await embedOf(b);
      if (!ea || !eb) { failed++; continue; }
      if ((cosineDistance(ea, eb) <= threshold) === (f.length === 3)) correct++;
    }
    expect(emb.size).toBe(144);
    const expected = correct / pairs.length;
    for (const p of [...emb.keys()].filter((_, i) => i % 24 === 0)) {
      // the face at the image centre (largest), embedded by the engine itself
      const r = await engine.analyze(p, { embed: false, keepChips: true });
      const centre = r.faces.filter((f) => f.box.x <= r.width / 2 && r.width / 2 <= f.box.x + f.box.width && f.box.y <= r.height / 2 && r.height / 2 <= f.box.y + f.box.height);
      const face = (centre.length ? centre : r.faces).sort((x, y) => y.box.width * y.box.height - x.box.width * x.box.height)[0];
      const direct = face?.chip ? (await engine.embedChips([face.chip]))[0]! : null;
      if (direct === null) expect(emb.get(p)).toBeNull();
      else expect(cosineDistance(direct, emb.get(p)!)).toBeLessThan(1e-6);
    }

    expect(out.protocol).toBe('fixed');
    expect(out.pairs).toMatchObject({ total: 100, genuine: 50, impostor: 50, failed });
    expect(out.accuracy).toBeCloseTo(expected, 6);
    expect(out.accuracy).toBeGreaterThan(0.9);
    expect(out.confusionStrict.tp + out.confusionStrict.tn).toBe(correct);
    for (const f of ['report.md', 'roc.svg', 'distances.svg', 'report.json']) expect(readFileSync(join(report, f), 'utf8').length).toBeGreaterThan(100);
    expect(readFileSync(join(report, 'roc.svg'), 'utf8')).toMatch(/<polyline/);

    // a re-run comes from the cache (every image) and gives the same numbers
    await buildProgram().parseAsync(['node', 'facestream', '--backend', 'wasm', 'eval', 'pairs', '--pairs', join(dir, 'pairs.txt'), '--images', images,
      '--threshold', String(threshold), '--json', json, '--cache-dir', join(dir, 'cache')], { from: 'node' });
    const again = JSON.parse(readFileSync(json, 'utf8')) as PairsEvaluation;
    expect(again.timing.fromCache).toBe(144);
    expect(again.accuracy).toBe(out.accuracy);
  });
});
