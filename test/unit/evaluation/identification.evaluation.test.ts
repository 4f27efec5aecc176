import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateIdentification, type EmbeddingProvider } from '../../../src/evaluation/index.js';
import { l2normalize } from '../../../src/vision/embed/embedder.js';

/** Files named after the vector they stand for: "x_y.jpg" -> normalise([x, y]); "none.jpg" -> no face. */
const provider: EmbeddingProvider = {
  embed: async (path) => {
    const name = basename(path, '.jpg');
    if (name.startsWith('none')) return { path, status: 'no-face', faces: 0, ms: 1, cached: false };
    const [x, y] = name.split('_').map(Number);
    return { path, status: 'ok', faces: 1, ms: 1, cached: false, embedding: l2normalize(new Float32Array([x!, y!])) };
  },
};

function tree(root: string, spec: Record<string, string[]>) {
  for (const [person, files] of Object.entries(spec)) {
    mkdirSync(join(root, person), { recursive: true });
    for (const f of files) writeFileSync(join(root, person, `${f}.jpg`), '');
  }
}

describe('identification evaluation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-ident-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  tree(join(dir, 'g'), { ann: ['1_0'], bob: ['0_1'], cid: ['-1_0'] });
  // ann probe right, bob probe nearer cid than bob (rank 2), one failed probe of cid, unknowns dan/eve
  tree(join(dir, 'p'), { ann: ['10_1'], bob: ['-10_9'], cid: ['none1'], dan: ['1_1'], eve: ['1_-10'] });

  it('rank-1 / rank-5 over known probes (failures are misses) and open-set DIR@FAR', async () => {
    const r = await evaluateIdentification(provider, { galleryDir: join(dir, 'g'), probesDir: join(dir, 'p'), threshold: 0.05, fars: [0.5] });
    expect(r.probes).toMatchObject({ total: 5, known: 3, unknown: 2, failed: 1 });
    expect(r.rank1).toBeCloseTo(1 / 3);
    expect(r.rank5).toBeCloseTo(2 / 3);
    // unknown best distances: dan 1 - cos45 = 0.293, eve 1 - cos(84.3) = 0.9; FAR 0.5 lets one unknown in
    const o = r.openSet![0]!;
    expect(o.achievedFar).toBeLessThanOrEqual(0.5);
    expect(o.threshold).toBeGreaterThan(0.29);
    expect(o.dir).toBeCloseTo(1 / 3);
    // at a tight threshold every unknown stays unknown, ann (distance 0.005) is still identified
    expect(r.atThreshold).toMatchObject({ far: 0, dir: 1 / 3 });
  });
});
