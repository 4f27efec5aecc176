import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/api/index.js';
import { errorCodes } from '../../src/errors/index.js';
import { openGallery, type Gallery } from '../../src/identify/index.js';
import { isPersonId } from '../../src/identify/people.service.js';
import { testConfig } from '../helpers/engine.js';
import { cli, expectUntouched, fakeAnalyzer, galleryFile, jpeg, realModel, Sandbox, type CliResult } from '../helpers/hostile.js';

/**
 * The traversal case, end to end: a gallery file whose person ids are `../../victim` and
 * `../../..` is imported with the real CLI (`facestream gallery import`), then one person is
 * erased through the CLI and the other through the REST API. The sentinel `victim` folder beside
 * the data directory (and everything above it) stays intact; the thumbnails land under the data
 * directory's crops/<new id>/; the import reports the remapping; the hostile ids themselves are
 * refused by CLI (E_USAGE) and REST (E_VALIDATION).
 */

const sandbox = new Sandbox('traversal');
const galleryPath = path.join(sandbox.root, 'gallery.json');
let remapped: { from: string; to: string }[] = [];
const idOf = (from: string) => remapped.find((m) => m.from === from)!.to;
const crops = (id: string) => { const d = path.join(sandbox.dataDir, 'crops', id); return existsSync(d) ? readdirSync(d) : []; };

beforeAll(async () => {
  const thumb = await jpeg(180, 60, 60);
  // written before any snapshot: the file sits beside the data directory like a download would
  writeFileSync(galleryPath, JSON.stringify(galleryFile([
    { id: '../../victim', name: 'Victim', samples: 2 },
    { id: '../../..', name: 'Root', samples: 1 },
    { id: '../../victim', name: 'Victim (second entry)', samples: 1 },
  ], thumb, realModel)));
});
afterAll(() => sandbox.remove());

/** One clear line on stderr, no stack trace, nothing on stdout. */
function expectCliError(r: CliResult, code: keyof typeof errorCodes): void {
  expect(r.code, r.stderr).toBe(errorCodes[code]);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(new RegExp(`^facestream: ${code}: `));
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

describe('gallery file with person ids ../../victim and ../../..: import, then erase through CLI and REST', () => {
  it('facestream gallery import remaps both ids (the repeated one to the same new id) and writes crops inside the data directory', { timeout: 120_000 }, async () => {
    const outside = sandbox.outside();
    const r = await cli(['--data-dir', sandbox.dataDir, 'gallery', 'import', galleryPath]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { people: number; samples: number; skipped: number; remapped: { from: string; to: string }[] };
    expect(result).toMatchObject({ people: 2, samples: 4, skipped: 0 });
    remapped = result.remapped;
    expect(remapped.map((m) => m.from)).toEqual(['../../victim', '../../..']);
    expect(remapped.every((m) => isPersonId(m.to))).toBe(true);
    expect(idOf('../../victim')).not.toBe(idOf('../../..'));
    expect(crops(idOf('../../victim'))).toHaveLength(3);
    expect(crops(idOf('../../..'))).toHaveLength(1);
    expect(readdirSync(path.join(sandbox.dataDir, 'crops')).sort()).toEqual(remapped.map((m) => m.to).sort());
    expectUntouched(outside, sandbox.outside(), 'import');
    expect(readdirSync(sandbox.victim)).toEqual(['keep.txt']);
  });

  it('the CLI refuses the hostile id itself (E_USAGE), touching nothing', { timeout: 60_000 }, async () => {
    const outside = sandbox.outside();
    const refused = await Promise.all(['../../victim', '../../..'].map((id) => cli(['--data-dir', sandbox.dataDir, 'people', 'delete', id])));
    for (const r of refused) expectCliError(r, 'E_USAGE');
    expectUntouched(outside, sandbox.outside(), 'cli delete ../../victim');
    expect(crops(idOf('../../victim'))).toHaveLength(3);
  });

  it('facestream people delete <new id> erases the person and their crops; the sentinel stays', { timeout: 120_000 }, async () => {
    const outside = sandbox.outside();
    const id = idOf('../../victim');
    const r = await cli(['--data-dir', sandbox.dataDir, 'people', 'delete', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ personId: id, name: 'Victim', samples: 3, files: 3 });
    expect(existsSync(path.join(sandbox.dataDir, 'crops', id))).toBe(false);
    expectUntouched(outside, sandbox.outside(), 'cli delete');
    expect(readdirSync(sandbox.victim)).toEqual(['keep.txt']);
  });

  describe('the REST API on the same data directory', () => {
    let gallery: Gallery;
    let server: ApiServer;
    let base: string;
    let key: string;
    beforeAll(async () => {
      // the model is irrelevant to erasure: a fake with the real model's id opens the CLI's gallery
      gallery = openGallery({ dataDir: sandbox.dataDir, engine: fakeAnalyzer(realModel.modelId, realModel.dim), settings: testConfig().gallery });
      key = gallery.keys.create('admin', 'traversal').key;
      server = new ApiServer({ gallery, api: testConfig({ api: { host: '127.0.0.1', port: 0 } }).api });
      base = await server.start();
    });
    afterAll(async () => {
      await server?.close();
      gallery?.close();
    });
    const del = async (id: string) => {
      const r = await fetch(`${base}/api/people/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
      return { status: r.status, type: r.headers.get('content-type'), body: await r.json() as Record<string, unknown> & { error?: { code: string } } };
    };

    it('DELETE /api/people/<hostile id> is a 400 E_VALIDATION and touches nothing', async () => {
      const outside = sandbox.outside();
      for (const id of ['../../victim', '../../..', '../../victim/keep.txt']) {
        const r = await del(id);
        expect(r.status, id).toBe(400);
        expect(r.type).toMatch(/^application\/json/);
        expect(r.body.error?.code, id).toBe('E_VALIDATION');
      }
      expectUntouched(outside, sandbox.outside(), 'rest delete hostile');
      expect(gallery.people.count()).toBe(1);
    });

    it('DELETE /api/people/<new id> erases the other person; the sentinel and everything above stay', async () => {
      const outside = sandbox.outside();
      const id = idOf('../../..');
      const r = await del(id);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ personId: id, name: 'Root', samples: 1, files: 1 });
      expect(existsSync(path.join(sandbox.dataDir, 'crops', id))).toBe(false);
      expect(gallery.people.count()).toBe(0);
      expectUntouched(outside, sandbox.outside(), 'rest delete');
      expect(readdirSync(sandbox.victim)).toEqual(['keep.txt']);
      expect((await del(id)).status).toBe(404);
    });
  });
});
