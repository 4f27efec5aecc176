import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { openGallery, type FaceAnalyzer, type Gallery, type GalleryOptions } from '../../src/identify/index.js';
import { DataStore } from '../../src/store/data.store.js';
import { dataPath } from '../helpers/data.js';
import { createTestEngine, testConfig } from '../helpers/engine.js';

const galleryDir = dataPath('people/gallery');
const probe = (f: string) => dataPath('people/probes', f);
const people = readdirSync(galleryDir).sort();

let engine: FacePipeline;
const tmpDirs: string[] = [];
const newDir = () => { const d = mkdtempSync(path.join(tmpdir(), 'fs-gallery-')); tmpDirs.push(d); return d; };
const open = (dataDir: string, over: Partial<GalleryOptions> = {}) => openGallery({ dataDir, engine, settings: testConfig().gallery, ...over });

beforeAll(async () => { engine = await createTestEngine(); });
afterAll(() => {
  engine?.close();
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** Names found in a photo, sorted ('unknown' for unmatched faces). */
async function namesIn(g: Gallery, file: string): Promise<string[]> {
  const r = await g.matcher.identifyImage(file);
  return r.faces.filter((f) => f.match).map((f) => f.match!.name ?? 'unknown').sort();
}

describe('Gallery on real photos, real SQLite and real hnswlib', () => {
  let dir: string;
  let g: Gallery;
  /** A second connection to the same database, to check what the gallery stored. */
  let store: DataStore;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    dir = newDir();
    g = open(dir);
    store = DataStore.open(dir);
    for (const name of people) {
      const p = g.people.createPerson(name);
      ids.set(name, p.id);
      for (const f of readdirSync(path.join(galleryDir, name)).sort()) {
        const r = await g.enrollment.enrollPhoto(p.id, path.join(galleryDir, name, f));
        expect(r.status, `${name}/${f}: ${JSON.stringify(r)}`).toBe('accepted');
      }
    }
  });
  afterAll(() => { g?.close(); store?.close(); });

  it('enrolled every gallery photo into store and index', () => {
    const files = people.flatMap((p) => readdirSync(path.join(galleryDir, p)));
    expect(store.samples.count()).toBe(files.length);
    expect(g.index.size).toBe(files.length);
    for (const s of store.samples.iterate()) expect(existsSync(path.join(dir, s.cropFile!))).toBe(true);
  });

  it('identifies every probe with the expected names', async () => {
    expect(await namesIn(g, probe('johnsnow_test1.jpg'))).toEqual(['kit_harington']);
    // and the girl at the bottom right (half hidden, turned away: faceboxes finds her), a stranger
    expect(await namesIn(g, probe('obama_and_biden.jpg'))).toEqual(['biden', 'obama', 'unknown']);
    expect(await namesIn(g, probe('kit_with_rose.jpg'))).toEqual(['kit_harington', 'rose_leslie']);
    for (const f of ['obama1.jpg', 'obama-240p.jpg', 'obama-1080p.jpg']) expect(await namesIn(g, probe(f)), f).toEqual(['obama']);
    expect(await namesIn(g, probe('alex_lacamoire1.jpg'))).toEqual(['alex_lacamoire']);
  });

  it('calls a stranger unknown', async () => {
    for (const f of ['bbt/sheldon', 'bbt/amy']) {
      const file = path.join(dataPath('people', f), readdirSync(dataPath('people', f)).sort()[0]!);
      const r = await g.matcher.identifyImage(file);
      const matched = r.faces.filter((x) => x.match);
      expect(matched.length, file).toBe(1);
      expect(matched[0]!.match!.personId, file).toBeNull();
      expect(matched[0]!.match!.name).toBeNull();
      expect(matched[0]!.match!.distance!).toBeGreaterThan(g.matcher.threshold);
    }
  });

  it('rejects photos without exactly one usable face, and unreadable files', async () => {
    const obama = ids.get('obama')!;
    expect(await g.enrollment.enrollPhoto(obama, probe('obama_and_biden.jpg'))).toMatchObject({ status: 'rejected', reason: 'several_faces' });
    const grey = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 120, g: 120, b: 120 } } }).jpeg().toBuffer();
    expect(await g.enrollment.enrollPhoto(obama, grey, { label: 'grey.jpg' })).toMatchObject({ status: 'rejected', reason: 'no_face', file: 'grey.jpg' });
    expect(await g.enrollment.enrollPhoto(obama, Buffer.from('not an image at all'))).toMatchObject({ status: 'rejected', reason: 'unreadable' });
    expect(await g.enrollment.enrollPhoto(obama, path.join(dir, 'missing.jpg'))).toMatchObject({ status: 'rejected', reason: 'unreadable' });
    // a face far below the quality gate's minimum size (20 px): obama1.jpg at 48 px wide
    const tiny = await sharp(probe('obama1.jpg')).resize({ width: 48 }).jpeg().toBuffer();
    const r = await g.enrollment.enrollPhoto(obama, tiny);
    expect(r.status).toBe('rejected');
    expect(['too_small', 'no_face']).toContain((r as { reason: string }).reason);
  });

  it('gallery samples need more than the live gate: a small or blurred face that live video would embed is refused', async () => {
    const obama = ids.get('obama')!;
    // obama1.jpg at 100 px wide: a ~30 px face, above quality.minFaceSize (20), below gallery.enrollMinFaceSize (40)
    const small = await sharp(probe('obama1.jpg')).resize({ width: 100 }).jpeg({ quality: 95 }).toBuffer();
    const analysed = await g.matcher.identifyImage(small);
    const face = analysed.faces[0];
    if (face) {
      expect(face.quality.size).toBeLessThan(40);
      expect(await g.enrollment.enrollPhoto(obama, small)).toMatchObject({ status: 'rejected', reason: face.quality.passed ? 'too_small' : expect.any(String) });
    }
    // strong blur on a large face: sharpness below gallery.enrollMinSharpness
    const blurred = await sharp(probe('obama1.jpg')).blur(10).jpeg().toBuffer();
    const b = (await g.matcher.identifyImage(blurred)).faces[0]!;
    expect(b.quality.size).toBeGreaterThanOrEqual(40);
    expect(b.quality.sharpness).toBeLessThan(90);
    expect(await g.enrollment.enrollPhoto(obama, blurred)).toMatchObject({ status: 'rejected', reason: 'too_blurry' });
  });

  it('skips near-duplicates; a photo close to another person is enrolled as a look-alike, only one closer than different people come is refused', async () => {
    const obama = ids.get('obama')!;
    const dup = await g.enrollment.enrollPhoto(obama, path.join(galleryDir, 'obama', 'obama.jpg'));
    expect(dup).toMatchObject({ status: 'skipped', reason: 'duplicate' });
    const before = store.samples.count();
    const relative = g.people.createPerson('not obama');
    // another photo of obama offered as someone else: within the 1:1 threshold of obama, but not
    // closer than different people come (gallery.mislabelDistances): a look-alike, kept and flagged
    const flagged = await g.enrollment.enrollPhoto(relative.id, probe('obama1.jpg'));
    expect(flagged).toMatchObject({ status: 'accepted', lookalikes: [{ personId: obama, name: 'obama' }] });
    if (flagged.status !== 'accepted') throw new Error('unreachable');
    expect(flagged.lookalikes![0]!.distance).toBeGreaterThanOrEqual(testConfig().gallery.mislabelDistances.resnet34);
    expect(g.review().lookalikes).toContainEqual(expect.objectContaining({ distance: flagged.lookalikes![0]!.distance }));
    expect(store.samples.count()).toBe(before + 1);
    // the very photo enrolled for obama, offered as someone else: closer than any two people, refused
    const same = await g.enrollment.enrollPhoto(relative.id, path.join(galleryDir, 'obama', 'obama.jpg'));
    expect(same).toMatchObject({ status: 'rejected', reason: 'matches_other_person', match: { personId: obama, name: 'obama' } });
    expect(store.samples.count()).toBe(before + 1);
    const forced = await g.enrollment.enrollPhoto(relative.id, path.join(galleryDir, 'obama', 'obama.jpg'), { force: true });
    expect(forced.status).toBe('accepted');
    expect(store.samples.count()).toBe(before + 2);
    g.people.deletePerson(relative.id);
    expect(store.samples.count()).toBe(before);
  });

  it('persists the index and loads it on reopen without a rebuild', async () => {
    g.close();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'index/manifest.json'), 'utf8')) as { revision: number; indexFile: string };
    g = open(dir);
    expect(store.revision).toBe(manifest.revision);
    // the same file is still the live one: nothing was rebuilt
    expect(JSON.parse(readFileSync(path.join(dir, 'index/manifest.json'), 'utf8')).indexFile).toBe(manifest.indexFile);
    expect(await namesIn(g, probe('johnsnow_test1.jpg'))).toEqual(['kit_harington']);
  });

  it('exports and imports the gallery into another data directory', async () => {
    const file = g.transfer.exportGallery();
    expect(file.people).toHaveLength(people.length);
    const other = open(newDir());
    try {
      const r = other.transfer.importGallery(JSON.parse(JSON.stringify(file)));
      expect(r).toEqual({ people: people.length, samples: store.samples.count(), skipped: 0 });
      expect(other.index.size).toBe(g.index.size);
      expect(await namesIn(other, probe('alex_lacamoire1.jpg'))).toEqual(['alex_lacamoire']);
      expect(other.transfer.importGallery(file)).toMatchObject({ samples: 0, skipped: store.samples.count() });
      expect(() => other.transfer.importGallery({ ...file, modelId: 'other/model' })).toThrow(expect.objectContaining({ code: 'E_MODEL_MISMATCH' }));
      expect(() => other.transfer.importGallery({ format: 'nope' })).toThrow(expect.objectContaining({ code: 'E_INVALID_GALLERY_FILE' }));
    } finally {
      other.close();
    }
  });

  it('erases a person completely: rows, index labels, crop files, sightings; keeps an audit record', async () => {
    const biden = ids.get('biden')!;
    const samples = g.people.samplesOf(biden);
    expect(samples.length).toBe(2);
    const crop = 'crops/sighting-biden.jpg';
    writeFileSync(path.join(dir, crop), 'x');
    store.sightings.add({ cameraId: 'cam1', personId: biden, label: 'biden', firstSeen: '2024-01-01T00:00:00Z', lastSeen: '2024-01-01T00:00:05Z', maxScore: 0.95, meanScore: 0.93, frames: 5, cropPath: crop });
    const report = g.people.deletePerson(biden);
    expect(report).toMatchObject({ samples: 2, sightings: 1, files: 3 });
    const count = (sql: string) => (store.db.prepare(sql).get(biden) as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM people WHERE id = ?')).toBe(0);
    expect(count('SELECT count(*) AS n FROM face_samples WHERE person_id = ?')).toBe(0);
    expect(count('SELECT count(*) AS n FROM sightings WHERE person_id = ?')).toBe(0);
    const labels = new Set(g.index.labels());
    for (const s of samples) expect(labels.has(s.id)).toBe(false);
    expect(existsSync(path.join(dir, 'crops', biden))).toBe(false);
    expect(existsSync(path.join(dir, crop))).toBe(false);
    expect(store.audit.list({ target: biden })[0]).toMatchObject({ action: 'person.erase', details: { samples: 2, sightings: 1 } });
    expect(() => g.people.getPerson(biden)).toThrow(expect.objectContaining({ code: 'E_NOT_FOUND' }));
    expect(await namesIn(g, probe('obama_and_biden.jpg'))).toEqual(['obama', 'unknown', 'unknown']);
    // the deletion survives a restart (the index on disk is stamped with the new revision)
    g.close();
    g = open(dir);
    expect(new Set(g.index.labels())).toEqual(labels);
  });

  it('detects a corrupt index file on disk and rebuilds it from the store, losing nothing', () => {
    const labels = g.index.labels().sort();
    g.close();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'index/manifest.json'), 'utf8')) as { indexFile: string };
    const indexFile = path.join(dir, 'index', manifest.indexFile);
    const bytes = readFileSync(indexFile);
    bytes.fill(0x5a, 100, 400);
    writeFileSync(indexFile, bytes);
    g = open(dir);
    expect(g.index.labels().sort()).toEqual(labels);
    const fresh = JSON.parse(readFileSync(path.join(dir, 'index/manifest.json'), 'utf8')) as { indexFile: string };
    expect(fresh.indexFile).not.toBe(manifest.indexFile);
  });

  it('recovers from a process killed during an index save (temp files and a partial write left behind)', async () => {
    const labels = g.index.labels().sort();
    g.close();
    const idx = path.join(dir, 'index');
    // a save killed before its commit point: half-written data files and manifest temp file
    writeFileSync(path.join(idx, 'index-999-deadbeef.hnsw.tmp'), Buffer.alloc(1000, 7));
    writeFileSync(path.join(idx, 'labels-999-deadbeef.json'), '{"labels": [[1, "x"');
    writeFileSync(path.join(idx, 'manifest.json.tmp'), '{"format": "facestream-hnsw", "vers');
    g = open(dir);
    expect(g.index.labels().sort()).toEqual(labels);
    expect(await namesIn(g, probe('johnsnow_test1.jpg'))).toEqual(['kit_harington']);
    // the next save removes the debris
    g.index.save();
    expect(readdirSync(idx).filter((f) => f.includes('deadbeef') || f.endsWith('.tmp'))).toEqual([]);
    // a manifest cut short (killed mid-rename is impossible, but a torn manifest must not crash)
    g.close();
    writeFileSync(path.join(idx, 'manifest.json'), '{"format": "faces');
    g = open(dir);
    expect(g.index.labels().sort()).toEqual(labels);
  });

  it('rebuilds a stale index (store changed while the index was not saved)', () => {
    const before = g.index.size;
    const rose = ids.get('rose_leslie')!;
    const s = g.people.samplesOf(rose)[0]!;
    g.close();
    // another writer (or a crash before the save) changed the store behind the index's back
    const db = DataStore.open(dir);
    db.transaction(() => { db.samples.delete(s.id); db.bumpRevision(); });
    db.close();
    g = open(dir);
    expect(g.index.size).toBe(before - 1);
    expect(g.index.labels()).not.toContain(s.id);
  });
});

describe('Gallery concurrency and model changes', () => {
  it('keeps every sample of concurrent enrollments', async () => {
    const g = open(newDir());
    try {
      const kit = g.people.createPerson('kit_harington');
      const rose = g.people.createPerson('rose_leslie');
      const results = await Promise.all([
        g.enrollment.enrollPhoto(kit.id, path.join(galleryDir, 'kit_harington/john1.jpeg')),
        g.enrollment.enrollPhoto(rose.id, path.join(galleryDir, 'rose_leslie/img1.jpg')),
        g.enrollment.enrollPhoto(kit.id, path.join(galleryDir, 'kit_harington/john2.jpeg')),
        g.enrollment.enrollPhoto(rose.id, path.join(galleryDir, 'rose_leslie/img2.jpg')),
        // the same photo twice at once: exactly one of the two may be stored
        g.enrollment.enrollPhoto(kit.id, probe('johnsnow_test1.jpg')),
        g.enrollment.enrollPhoto(kit.id, probe('johnsnow_test1.jpg')),
      ]);
      expect(results.slice(0, 4).map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
      expect(results.slice(4).map((r) => r.status).sort()).toEqual(['accepted', 'skipped']);
      expect(g.people.sampleCount(kit.id)).toBe(3);
      expect(g.people.sampleCount(rose.id)).toBe(2);
      expect(g.index.size).toBe(5);
    } finally {
      g.close();
    }
  });

  it('two witnesses on a gallery enrolled before them: unconfirmable (never named) until the backfill adds the confirmer\'s embeddings from the crops', async () => {
    const dir = newDir();
    const rules = engine.decisionRules;
    if (rules.mode !== 'two-witness') throw new Error('the default engine runs two witnesses');
    const before = Object.create(engine, { decisionRules: { value: { mode: 'single', single: rules.single } }, confirmModelId: { value: undefined } }) as FacePipeline;
    const old = openGallery({ dataDir: dir, engine: before, settings: testConfig({ data: { dir } }).gallery });
    const obama = old.people.createPerson('obama');
    for (const f of ['obama.jpg', 'obama2.jpg']) expect((await old.enrollment.enrollPhoto(obama.id, path.join(galleryDir, 'obama', f))).status).toBe('accepted');
    expect(old.witnesses.missingConfirm()).toBe(0); // single mode: nothing is missing
    old.close();
    const g = open(dir);
    try {
      expect(g.witnesses.missingConfirm()).toBe(2);
      const named = async () => (await g.matcher.identifyImage(probe('obama1.jpg'))).faces.map((f) => [f.match?.name ?? null, f.match?.reason]);
      expect(await named()).toEqual([[null, 'unconfirmed']]);
      const r = await g.enrollment.backfillConfirm();
      expect(r).toEqual({ filled: 2, failed: [] });
      expect(g.witnesses.missingConfirm()).toBe(0);
      expect(await named()).toEqual([['obama', 'named']]);
    } finally {
      g.close();
    }
  });

  it('refuses to search with another model than the samples were enrolled with, until reindex', async () => {
    const dir = newDir();
    const g = open(dir);
    const obama = g.people.createPerson('obama');
    for (const f of ['obama.jpg', 'obama2.jpg']) expect((await g.enrollment.enrollPhoto(obama.id, path.join(galleryDir, 'obama', f))).status).toBe('accepted');
    g.close();
    // the same network under a new model id stands in for an upgraded embedder
    const upgraded: FaceAnalyzer = {
      modelId: `${engine.modelId}+v2`, dim: engine.dim, threshold: engine.threshold,
      decode: (i) => engine.decode(i),
      analyze: async (i, o) => ({ ...(await engine.analyze(i, o)), modelId: `${engine.modelId}+v2` }),
    };
    const g2 = openGallery({ dataDir: dir, engine: upgraded, settings: testConfig().gallery });
    try {
      expect(g2.index.size).toBe(0);
      await expect(g2.matcher.identifyImage(probe('obama1.jpg'))).rejects.toMatchObject({ code: 'E_MODEL_MISMATCH' });
      expect(() => g2.matcher.identify(new Float32Array(engine.dim))).toThrow(/reindex/);
      const r = await g2.enrollment.reindex();
      expect(r).toEqual({ reembedded: 2, failed: [] });
      const store = DataStore.open(dir);
      try { expect(store.samples.models()).toEqual([{ modelId: upgraded.modelId, dim: engine.dim, count: 2 }]); } finally { store.close(); }
      expect(await namesIn(g2, probe('obama1.jpg'))).toEqual(['obama']);
    } finally {
      g2.close();
    }
  });
});
