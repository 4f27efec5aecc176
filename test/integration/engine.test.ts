import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { cosineDistance } from '../../src/vision/embed/index.js';
import { dataPath } from '../helpers/data.js';
import { createTestEngine } from '../helpers/engine.js';

let engine: FacePipeline;
beforeAll(async () => { engine = await createTestEngine(); });
afterAll(() => engine?.close());

const truth = readFileSync(dataPath('people/scenes/truth.tsv'), 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => { const [file, count, people] = l.split('\t'); return { file: file!, count: Number(count), people: people === '-' ? [] : people!.split(',') }; });

/** bbt/<name>/*.png: 7 people x 5 tight 150x150 face crops. */
async function bbtEmbeddings() {
  const out: { person: string; file: string; embedding: Float32Array }[] = [];
  for (const person of readdirSync(dataPath('people/bbt')).sort()) {
    for (const file of readdirSync(dataPath('people/bbt', person)).sort()) {
      const r = await engine.analyze(dataPath('people/bbt', person, file), { faceCrop: true });
      expect(r.faces, `${person}/${file}`).toHaveLength(1);
      expect(r.faces[0]!.embedding, `${person}/${file} embedded`).toBeDefined();
      out.push({ person, file, embedding: r.faces[0]!.embedding! });
    }
  }
  return out;
}

describe('detection on real photos', () => {
  it.each(truth)('$file has its clear faces ($count)', async ({ file, count }) => {
    const r = await engine.analyze(dataPath('people/scenes', file), { embed: false });
    // bbt2 also has small background people a detector may or may not find
    if (file === 'bbt2.jpg') expect(r.faces.length).toBeGreaterThanOrEqual(count);
    else expect(r.faces.length).toBe(count);
    for (const f of r.faces) {
      expect(f.box.x).toBeGreaterThanOrEqual(0);
      expect(f.box.y).toBeGreaterThanOrEqual(0);
      expect(f.box.x + f.box.width).toBeLessThanOrEqual(r.width);
      expect(f.box.y + f.box.height).toBeLessThanOrEqual(r.height);
      expect(Math.min(f.box.width, f.box.height)).toBeGreaterThanOrEqual(20);
      expect(Math.max(f.box.width, f.box.height)).toBeLessThan(Math.max(r.width, r.height) * 0.8);
      expect(f.box.width / f.box.height).toBeGreaterThan(0.5);
      expect(f.box.width / f.box.height).toBeLessThan(2);
      // the five landmarks lie in (or right at) the box
      for (const [x, y] of Object.values(f.landmarks)) {
        expect(x).toBeGreaterThan(f.box.x - f.box.width * 0.25);
        expect(x).toBeLessThan(f.box.x + f.box.width * 1.25);
        expect(y).toBeGreaterThan(f.box.y - f.box.height * 0.25);
        expect(y).toBeLessThan(f.box.y + f.box.height * 1.25);
      }
      expect(f.landmarks.leftEye[0]).toBeLessThan(f.landmarks.rightEye[0]);
      expect(f.landmarks.nose[1]).toBeGreaterThan(f.landmarks.leftEye[1]);
      expect(f.landmarks.mouthLeft[1]).toBeGreaterThan(f.landmarks.nose[1]);
    }
  });

  it('finds both people in probes/two_people.jpg', async () => {
    const r = await engine.analyze(dataPath('people/probes/two_people.jpg'), { embed: false });
    expect(r.faces).toHaveLength(2);
  });

  it('finds the partly cut-off face at the image border', async () => {
    const r = await engine.analyze(dataPath('people/probes/obama_partial_face2.jpg'), { embed: false });
    expect(r.faces.length).toBe(1);
  });
});

describe('identification and verification on real photos', () => {
  it('bbt: every crop\'s nearest other crop is the same person, and scene people are found by nearest embedding', async () => {
    const known = await bbtEmbeddings();
    expect(known).toHaveLength(35);
    for (const k of known) {
      let best = { d: Infinity, person: '' };
      for (const o of known) {
        if (o === k) continue;
        const d = cosineDistance(k.embedding, o.embedding);
        if (d < best.d) best = { d, person: o.person };
      }
      expect(best.person, `${k.person}/${k.file}`).toBe(k.person);
    }
    for (const scene of truth.filter((t) => t.people.length)) {
      const r = await engine.analyze(dataPath('people/scenes', scene.file));
      const found = new Set<string>();
      for (const f of r.faces.filter((x) => x.embedding)) {
        let best = { d: Infinity, person: '' };
        for (const k of known) {
          const d = cosineDistance(f.embedding!, k.embedding);
          if (d < best.d) best = { d, person: k.person };
        }
        found.add(best.person);
      }
      for (const p of scene.people) expect([...found], `${scene.file}: ${p}`).toContain(p);
    }
  });

  it('people/gallery: each person\'s two photos are the same, all cross-person pairs different', async () => {
    const photos: { person: string; embedding: Float32Array }[] = [];
    for (const person of readdirSync(dataPath('people/gallery')).sort()) {
      for (const file of readdirSync(dataPath('people/gallery', person)).sort()) {
        const face = await engine.primaryFace(dataPath('people/gallery', person, file), file);
        photos.push({ person, embedding: face.embedding! });
      }
    }
    let same = 0, different = 0;
    for (let i = 0; i < photos.length; i++) {
      for (let j = i + 1; j < photos.length; j++) {
        const d = cosineDistance(photos[i]!.embedding, photos[j]!.embedding);
        if (photos[i]!.person === photos[j]!.person) { expect(d, `${photos[i]!.person} pair`).toBeLessThanOrEqual(engine.threshold); same++; }
        else { expect(d, `${photos[i]!.person} vs ${photos[j]!.person}`).toBeGreaterThan(engine.threshold); different++; }
      }
    }
    expect(same).toBeGreaterThanOrEqual(4);
    expect(different).toBeGreaterThan(40);
  });

  it('verify(): same person true, different people false, with the configured threshold', async () => {
    const s = await engine.verify(dataPath('people/gallery/obama/obama.jpg'), dataPath('people/probes/obama1.jpg'));
    expect(s.same).toBe(true);
    expect(s.threshold).toBe(engine.threshold);
    const d = await engine.verify(dataPath('people/gallery/obama/obama.jpg'), dataPath('people/gallery/biden/biden.jpg'));
    expect(d.same).toBe(false);
    expect(d.distance).toBeGreaterThan(s.distance);
  });
});

describe('image inputs', () => {
  it('decodes RGBA PNG, grayscale, WebP and applies EXIF orientation', async () => {
    const rgba = await engine.analyze(dataPath('people/probes/32bit.png'));
    expect(rgba.faces.length).toBe(1);
    const src = readFileSync(dataPath('people/gallery/obama/obama.jpg'));
    const base = await engine.primaryFace(src, 'jpeg');
    const grey = await engine.primaryFace(await sharp(src).grayscale().png().toBuffer(), 'grey png');
    expect(cosineDistance(base.embedding!, grey.embedding!)).toBeLessThan(0.1);
    const webp = await engine.primaryFace(await sharp(src).webp({ quality: 90 }).toBuffer(), 'webp');
    expect(cosineDistance(base.embedding!, webp.embedding!)).toBeLessThan(0.03);
    // stored rotated 90 degrees with EXIF orientation 6 (display: rotate back): must look upright again
    const rotated = await sharp(src).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const upright = await engine.analyze(rotated);
    const meta = await sharp(src).metadata();
    expect([upright.width, upright.height]).toEqual([meta.width, meta.height]);
    expect(upright.faces.length).toBe(1);
    expect(cosineDistance(base.embedding!, upright.faces[0]!.embedding!)).toBeLessThan(0.03);
  });
});

describe('tensor hygiene', () => {
  it('100 engine calls leave the TF.js tensor count unchanged', async () => {
    const img = await engine.decode(dataPath('people/probes/obama-240p.jpg'));
    await engine.analyze(img);
    const before = engine.tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      const r = await engine.analyze(img, { embed: i % 10 === 0 });
      expect(r.faces.length).toBe(1);
    }
    await expect(engine.analyze(Buffer.from('not an image'))).rejects.toThrow();
    expect(engine.tf.memory().numTensors).toBe(before);
  });
});

describe('golden embeddings', () => {
  it('the default engine reproduces the stored embeddings of 3 fixed photos (cosine >= 0.999)', async () => {
    const golden = JSON.parse(readFileSync(new URL('../fixtures/golden-embeddings.json', import.meta.url), 'utf8')) as
      { modelId: string; entries: { photo: string; embedding: number[] }[] };
    expect(golden.modelId).toBe(engine.modelId);
    expect(golden.entries).toHaveLength(3);
    for (const g of golden.entries) {
      const face = await engine.primaryFace(dataPath(g.photo), g.photo);
      expect(1 - cosineDistance(face.embedding!, g.embedding), g.photo).toBeGreaterThanOrEqual(0.999);
    }
  });
});
