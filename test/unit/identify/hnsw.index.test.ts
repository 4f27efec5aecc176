import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GalleryIndex } from '../../../src/identify/gallery.index.js';
import { AUTO_EF_ANCHORS, AUTO_EF_DENSE, autoEfSearch, defaultHnswParams, exactSearch, HnswIndex, loadIndexFiles, saveIndexFiles } from '../../../src/identify/hnsw.index.js';

/** Deterministic unit vectors (seeded LCG), so failures reproduce. */
function vectors(n: number, dim: number, seed = 1): Float32Array[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: dim }, rnd);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(path.join(tmpdir(), 'fs-hnsw-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('HnswIndex', () => {
  it('finds the same nearest neighbour as exact search and returns cosine distances', () => {
    const data = vectors(500, 32);
    const index = HnswIndex.create(32, defaultHnswParams, 16);
    data.forEach((v, i) => index.add(i, v));
    expect(index.size).toBe(500);
    expect(index.capacity).toBeGreaterThanOrEqual(500); // grew from 16 by resizeIndex
    const queries = vectors(50, 32, 7);
    let agree = 0;
    for (const q of queries) {
      const [hit] = index.search(q, 1);
      const [truth] = exactSearch(data, q, 1);
      if (hit!.label === truth!.label) agree++;
      expect(hit!.distance).toBeGreaterThanOrEqual(truth!.distance - 1e-5);
    }
    expect(agree).toBeGreaterThanOrEqual(49);
    // a stored vector is its own nearest neighbour at distance 0
    const self = index.search(data[123]!, 3);
    expect(self[0]).toMatchObject({ label: 123 });
    expect(self[0]!.distance).toBeCloseTo(0, 5);
    expect(self[1]!.distance).toBeGreaterThan(self[0]!.distance);
  });

  it('honours deletions, re-adds a deleted label, and never returns more than the live count', () => {
    const data = vectors(20, 8);
    const index = HnswIndex.create(8);
    data.forEach((v, i) => index.add(i, v));
    expect(index.remove(5)).toBe(true);
    expect(index.remove(5)).toBe(false);
    expect(index.search(data[5]!, 20).map((h) => h.label)).not.toContain(5);
    expect(index.search(data[0]!, 100)).toHaveLength(19);
    expect(index.deleted).toBe(1);
    index.add(5, data[6]!);
    expect(index.search(data[6]!, 2).map((h) => h.label).sort()).toEqual([5, 6]);
    expect(() => index.add(6, data[0]!)).toThrow(/already/);
    expect(() => index.add(99, new Float32Array(3))).toThrow(/dimensions/);
    expect(HnswIndex.create(8).search(data[0]!, 5)).toEqual([]);
  });
});

describe('efSearch by index size', () => {
  it('autoEfSearch hits the measured anchors, grows with n and stays within bounds', () => {
    for (const [n, ef] of AUTO_EF_ANCHORS) expect(autoEfSearch(n)).toBe(ef);
    let prev = 0;
    for (let n = 0; n <= 1e9; n = n < 10 ? n + 1 : Math.ceil(n * 1.3)) {
      const ef = autoEfSearch(n);
      expect(Number.isInteger(ef)).toBe(true);
      expect(ef).toBeGreaterThanOrEqual(prev);
      expect(ef).toBeGreaterThanOrEqual(32);
      expect(ef).toBeLessThanOrEqual(1024);
      prev = ef;
    }
    expect(autoEfSearch(0)).toBe(autoEfSearch(AUTO_EF_ANCHORS[0]![0]));
    // between two anchors: between their values
    const [[n0, e0], [n1, e1]] = [AUTO_EF_ANCHORS[1]!, AUTO_EF_ANCHORS[2]!];
    const mid = autoEfSearch(Math.sqrt(n0 * n1));
    expect(mid).toBeGreaterThanOrEqual(e0);
    expect(mid).toBeLessThanOrEqual(e1);
  });

  it('a graph built with efConstruction >= 400 needs less: capped at the measured 1M value, still growing beyond', () => {
    expect(autoEfSearch(1_000_000, 400)).toBe(AUTO_EF_DENSE.ef1M);
    expect(autoEfSearch(1_000_000, 200)).toBe(384);
    expect(autoEfSearch(1_000, 400)).toBe(autoEfSearch(1_000, 200));
    let prev = 0;
    for (let n = 0; n <= 1e9; n = n < 10 ? n + 1 : Math.ceil(n * 1.3)) {
      const ef = autoEfSearch(n, 400);
      expect(ef).toBeGreaterThanOrEqual(prev);
      expect(ef).toBeLessThanOrEqual(autoEfSearch(n, 200));
      prev = ef;
    }
    expect(autoEfSearch(4_000_000, 400)).toBeGreaterThan(AUTO_EF_DENSE.ef1M);
  });

  it('a loaded index uses the efConstruction it was built with, not the setting', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fs-efc-'));
    try {
      const built = HnswIndex.create(8, { ...defaultHnswParams, efConstruction: 200 });
      vectors(50, 8).forEach((v, i) => built.add(i, v));
      saveIndexFiles(dir, built, new Map(Array.from({ length: 50 }, (_, i) => [i, `p${i}`])), { revision: 1, modelId: 'm', dim: 8 }, { ...defaultHnswParams, efConstruction: 200 });
      const loaded = loadIndexFiles(dir, { revision: 1, modelId: 'm', dim: 8 }, defaultHnswParams);
      expect(loaded.ok && loaded.index.efConstruction).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("'auto' follows the graph size as it grows; an explicit number is kept", () => {
    const data = vectors(300, 8);
    const auto = HnswIndex.create(8, { ...defaultHnswParams, efSearch: 'auto' });
    const fixed = HnswIndex.create(8, { ...defaultHnswParams, efSearch: 77 });
    expect(auto.currentEfSearch).toBe(autoEfSearch(0));
    data.forEach((v, i) => { auto.add(i, v); fixed.add(i, v); });
    expect(auto.currentEfSearch).toBe(autoEfSearch(300));
    expect(fixed.currentEfSearch).toBe(77);
    auto.setEfSearch(50);
    expect(auto.currentEfSearch).toBe(50);
    fixed.setEfSearch('auto');
    expect(fixed.currentEfSearch).toBe(autoEfSearch(300));
    expect(fixed.search(data[3]!, 1)[0]!.label).toBe(3);
  });
});

describe('index persistence', () => {
  const stamp = { revision: 7, modelId: 'm1', dim: 16 };
  const build = () => {
    const data = vectors(100, 16);
    const index = HnswIndex.create(16);
    const labels = new Map<number, string>();
    data.forEach((v, i) => { index.add(i + 1, v); labels.set(i + 1, `p${i % 10}`); });
    index.remove(1); labels.delete(1);
    return { data, index, labels };
  };

  it('round-trips index and label map, deletions included', () => {
    const dir = tmp();
    const { data, index, labels } = build();
    saveIndexFiles(dir, index, labels, stamp, defaultHnswParams);
    const r = loadIndexFiles(dir, stamp, defaultHnswParams);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.index.size).toBe(99);
    expect(r.labels).toEqual(labels);
    expect(r.index.search(data[0]!, 5).map((h) => h.label)).not.toContain(1);
    expect(r.index.search(data[50]!, 1)[0]!.label).toBe(51);
  });

  it('reports missing, stale (revision or model) and corrupt indexes instead of loading them', () => {
    const dir = tmp();
    expect(loadIndexFiles(dir, stamp, defaultHnswParams)).toMatchObject({ ok: false, reason: 'missing' });
    const { index, labels } = build();
    saveIndexFiles(dir, index, labels, stamp, defaultHnswParams);
    expect(loadIndexFiles(dir, { ...stamp, revision: 8 }, defaultHnswParams)).toMatchObject({ ok: false, reason: 'stale' });
    expect(loadIndexFiles(dir, { ...stamp, modelId: 'm2' }, defaultHnswParams)).toMatchObject({ ok: false, reason: 'stale' });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { indexFile: string; labelsFile: string };
    const f = path.join(dir, manifest.indexFile);
    const bytes = readFileSync(f);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(f, bytes);
    expect(loadIndexFiles(dir, stamp, defaultHnswParams)).toMatchObject({ ok: false, reason: 'corrupt', detail: expect.stringMatching(/checksum/) });
    writeFileSync(path.join(dir, 'manifest.json'), '{"format":');
    expect(loadIndexFiles(dir, stamp, defaultHnswParams)).toMatchObject({ ok: false, reason: 'corrupt' });
  });

  it('an index saved with other graph parameters (older defaults) still loads and searches', () => {
    const dir = tmp();
    const data = vectors(200, 16);
    const old = { M: 8, efConstruction: 100, efSearch: 128 };
    const index = HnswIndex.create(16, old);
    const labels = new Map<number, string>();
    data.forEach((v, i) => { index.add(i, v); labels.set(i, `p${i}`); });
    saveIndexFiles(dir, index, labels, stamp, old);
    const r = loadIndexFiles(dir, stamp, { ...defaultHnswParams, M: 32, efConstruction: 400, efSearch: 'auto' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.index.currentEfSearch).toBe(autoEfSearch(200));
    expect(r.index.search(data[42]!, 1)[0]!.label).toBe(42);
    r.index.add(500, vectors(1, 16, 9)[0]!);
    expect(r.index.size).toBe(201);
  });

  it('a save killed before its commit point leaves the previous index readable', () => {
    const dir = tmp();
    const { index, labels } = build();
    saveIndexFiles(dir, index, labels, stamp, defaultHnswParams);
    // debris of a killed save: a half-written data file and a torn manifest temp file
    writeFileSync(path.join(dir, 'index-8-abcd.hnsw.tmp'), Buffer.alloc(100));
    writeFileSync(path.join(dir, 'manifest.json.tmp'), '{"revision": 8, "ind');
    const r = loadIndexFiles(dir, stamp, defaultHnswParams);
    expect(r).toMatchObject({ ok: true });
    // the next completed save replaces the old files and sweeps the debris
    saveIndexFiles(dir, index, labels, { ...stamp, revision: 8 }, defaultHnswParams);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(3);
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    expect(loadIndexFiles(dir, { ...stamp, revision: 8 }, defaultHnswParams)).toMatchObject({ ok: true });
    expect(existsSync(path.join(dir, 'manifest.json'))).toBe(true);
  });
});

describe('GalleryIndex and changed graph parameters', () => {
  it('loads an index built with other M / efConstruction (no rebuild), says so, and searches with auto efSearch', () => {
    const dataDir = tmp();
    const data = vectors(120, 16, 3);
    // a fake of the two DataStore parts GalleryIndex reads (revision, samples.models/count/iterate)
    const fake = {
      revision: 5,
      samples: {
        models: () => [{ modelId: 'm1', dim: 16, count: data.length }],
        count: () => data.length,
        *iterate() {
          for (let i = 0; i < data.length; i++) yield { id: i + 1, personId: `p${i % 12}`, modelId: 'm1', embedding: data[i]!, imageSha256: '', cropFile: null, quality: {}, createdAt: '' };
        },
      },
    };
    const store = fake as unknown as Parameters<typeof GalleryIndex.open>[0];
    const logs: string[] = [];
    const logger = { info: (_o: object, msg?: string) => { logs.push(msg ?? ''); }, warn: (_o: object, msg?: string) => { logs.push(msg ?? ''); } };
    const first = GalleryIndex.open(store, { dataDir, modelId: 'm1', dim: 16, params: { M: 8, efConstruction: 100, efSearch: 128 }, logger });
    first.close();
    expect(logs.some((m) => /rebuilt/.test(m))).toBe(true);
    logs.length = 0;
    const second = GalleryIndex.open(store, { dataDir, modelId: 'm1', dim: 16, params: { M: 32, efConstruction: 200, efSearch: 'auto' }, logger });
    expect(logs.some((m) => /rebuilt/.test(m))).toBe(false);
    expect(logs.some((m) => /other graph parameters/.test(m))).toBe(true);
    expect(second.size).toBe(120);
    expect(second.search(data[17]!, 1)[0]).toMatchObject({ sampleId: 18, personId: 'p5' });
    second.close();
  });
});
