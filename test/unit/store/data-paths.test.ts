import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { openGallery, type FaceAnalyzer } from '../../../src/identify/index.js';
import { DataStore } from '../../../src/store/data.store.js';
import { personCropsDir, resolveInDataDir } from '../../../src/store/data-paths.js';
import { testConfig } from '../../helpers/engine.js';

const outside = expect.objectContaining({ code: 'E_PATH_OUTSIDE_DATA_DIR' });

/** Never asked to analyse anything: these tests only move rows and files. */
const engine: FaceAnalyzer = {
  modelId: 'fake-4', dim: 4, threshold: 0.05,
  decode: () => Promise.reject(new Error('not used')),
  analyze: () => Promise.reject(new Error('not used')),
};

describe('data-directory paths', () => {
  const dirs: string[] = [];
  const newDir = () => { const d = mkdtempSync(path.join(tmpdir(), 'fs-paths-')); dirs.push(d); return d; };
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('resolves paths inside the data directory and refuses every other one', () => {
    const dir = newDir();
    expect(resolveInDataDir(dir, 'crops/a/b.jpg')).toBe(path.join(dir, 'crops', 'a', 'b.jpg'));
    expect(resolveInDataDir(dir, 'crops/x/../y.jpg')).toBe(path.join(dir, 'crops', 'y.jpg'));
    for (const rel of ['../escape.jpg', 'crops/../../escape.jpg', '/etc/passwd', '.', '', 'crops/../']) {
      expect(() => resolveInDataDir(dir, rel), rel).toThrow(outside);
    }
    // a sibling whose name merely starts like the data directory is outside too
    expect(() => resolveInDataDir(dir, `../${path.basename(dir)}-other/x.jpg`)).toThrow(outside);
  });

  it('a person id names one crop folder of its own, never crops/, crops/sightings or anything above', () => {
    const dir = newDir();
    expect(personCropsDir(dir, '0b9c-uuid')).toBe(path.join(dir, 'crops', '0b9c-uuid'));
    for (const id of ['..', '.', '../..', 'sightings', 'a/b', '../crops', '../../etc']) expect(() => personCropsDir(dir, id), id).toThrow(outside);
  });

  it('erasing a person whose stored crop path leaves the data directory refuses before anything changes', () => {
    const dir = newDir();
    const victim = path.join(newDir(), 'victim.jpg');
    writeFileSync(victim, 'not yours');
    const g = openGallery({ dataDir: dir, engine, settings: testConfig().gallery });
    try {
      const p = g.people.createPerson('Eve');
      const row = g.sightings.add({ cameraId: 'c', personId: p.id, label: 'Eve', firstSeen: '2025-01-01T00:00:00Z', lastSeen: '2025-01-01T00:00:01Z', maxScore: 0.9, meanScore: 0.9, frames: 2, cropPath: path.relative(dir, victim) });
      expect(() => g.people.deletePerson(p.id)).toThrow(outside);
      expect(existsSync(victim)).toBe(true);
      expect(g.people.getPerson(p.id).name).toBe('Eve');
      expect(g.sightings.get(row.id)?.personId).toBe(p.id);
    } finally {
      g.close();
    }
  });

  it('a gallery file whose person id would escape crops/ gets a new id: its thumbnail lands inside the data directory', async () => {
    const dir = newDir();
    const g = openGallery({ dataDir: dir, engine, settings: testConfig().gallery });
    try {
      const embedding = Buffer.from(Float32Array.from([1, 0, 0, 0]).buffer).toString('base64');
      const file = {
        format: 'facestream-gallery', version: 1, modelId: 'fake-4', dim: 4, exportedAt: new Date().toISOString(),
        people: [{ id: '../../escaped', name: 'Mallory', metadata: {}, samples: [{ embedding, imageSha256: 'x', quality: {}, thumbnail: (await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888888' } }).jpeg().toBuffer()).toString('base64'), createdAt: new Date().toISOString() }] }],
      };
      const r = g.transfer.importGallery(file);
      expect(r.remapped).toHaveLength(1);
      expect(r.remapped![0]!.from).toBe('../../escaped');
      const id = r.remapped![0]!.to;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(g.people.count()).toBe(1);
      expect(existsSync(path.join(dir, '..', 'escaped'))).toBe(false);
      expect(readdirSync(path.join(dir, 'crops', id))).toHaveLength(1);
    } finally {
      g.close();
    }
  });

  it('a sample whose crop path leaves the data directory is not served, not removed through, and reindex reports it', async () => {
    const dir = newDir();
    const g = openGallery({ dataDir: dir, engine, settings: testConfig().gallery });
    const victim = path.join(newDir(), 'victim.jpg');
    writeFileSync(victim, 'not yours');
    try {
      const p = g.people.createPerson('Eve');
      const store = DataStore.open(dir);
      const sample = store.samples.add({ personId: p.id, modelId: 'fake-4', embedding: Float32Array.from([1, 0, 0, 0]), imageSha256: 'x', cropFile: path.relative(dir, victim), quality: {} });
      store.close();
      expect(() => g.people.thumbnail(sample.id)).toThrow(outside);
      expect(() => g.people.removeSample(p.id, sample.id)).toThrow(outside);
      expect(g.people.sampleCount(p.id)).toBe(1);
      mkdirSync(path.join(dir, 'crops', 'sightings'), { recursive: true });
      writeFileSync(path.join(dir, 'crops', 'sightings', '1.jpg'), 'a sighting crop');
      const r = await g.enrollment.reindex();
      expect(r.failed).toEqual([{ sampleId: sample.id, reason: expect.stringContaining('outside the data directory') }]);
      expect(existsSync(victim)).toBe(true);
      // the sightings' crops are not an erased person's folder
      expect(existsSync(path.join(dir, 'crops', 'sightings', '1.jpg'))).toBe(true);
    } finally {
      g.close();
    }
  });
});
