import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors/index.js';
import { openGallery, type Gallery } from '../../src/identify/index.js';
import { isPersonId } from '../../src/identify/people.service.js';
import { testConfig } from '../helpers/engine.js';
import {
  deepJson, expectUntouched, fakeAnalyzer, galleryCounts, galleryFile, hostileIds, jpeg, pngDeclaring, Sandbox,
  unknownUuid, type GalleryPersonSpec,
} from '../helpers/hostile.js';

/**
 * Gallery import files (GalleryTransferService.importGallery, what `facestream gallery import`
 * runs; the CLI itself and erasure through CLI and REST: traversal.test.ts). Ids are data, never
 * paths: a person id that is not a UUID gets a new one (the same for every entry of that id in
 * the file) and the import reports the mapping; everything else that is wrong refuses the whole
 * file before any row or file is written.
 */

const engine = fakeAnalyzer();
const model = { modelId: engine.modelId, dim: engine.dim };
const sandbox = new Sandbox('import');
let gallery: Gallery;
let thumb: Buffer;

beforeAll(async () => {
  gallery = openGallery({ dataDir: sandbox.dataDir, engine, settings: testConfig().gallery });
  thumb = await jpeg(200, 40, 40);
});
afterAll(() => {
  gallery?.close();
  sandbox.remove();
});

const cropsOf = (id: string) => { const d = path.join(sandbox.dataDir, 'crops', id); return existsSync(d) ? readdirSync(d) : []; };
const allCrops = () => sandbox.inside().filter((f) => f.startsWith('crops'));

// ---------------------------------------------------------------------------------------------

interface RemapCase { name: string; input: GalleryPersonSpec[]; expect: { people: number; samples: number; remappedFrom: string[] } }

/** Files that import, with every non-UUID person id remapped. */
export const remapCases: RemapCase[] = [
  ...hostileIds.map(({ name, id }) => ({ name: `person id ${name}`, input: [{ id, name: 'Mallory' }], expect: { people: 1, samples: 1, remappedFrom: [id] } })),
  { name: 'person id __proto__', input: [{ id: '__proto__' }], expect: { people: 1, samples: 1, remappedFrom: ['__proto__'] } },
  { name: 'the same hostile id twice maps to one new person', input: [{ id: '../../victim', name: 'Victim', samples: 2 }, { id: '../../victim', name: 'Victim again', samples: 1 }], expect: { people: 1, samples: 3, remappedFrom: ['../../victim'] } },
  { name: 'two hostile ids get two new people', input: [{ id: '../../victim' }, { id: '../../..' }], expect: { people: 2, samples: 2, remappedFrom: ['../../victim', '../../..'] } },
  { name: 'a valid UUID is kept next to a remapped id', input: [{ id: 'a1b2c3d4-0000-4000-8000-00000000abcd' }, { id: 'sightings' }], expect: { people: 2, samples: 2, remappedFrom: ['sightings'] } },
];

describe('gallery import: ids that are not UUIDs get new ones, reported; files land in the data directory only', () => {
  it.each(remapCases)('$name', ({ input, expect: want }) => {
    const outside = sandbox.outside();
    const counts = galleryCounts(gallery);
    const r = gallery.transfer.importGallery(galleryFile(input, thumb, model), 'test');
    expect(r).toMatchObject({ people: want.people, samples: want.samples, skipped: 0 });
    expect((r.remapped ?? []).map((m) => m.from)).toEqual(want.remappedFrom);
    const newIds = new Set<string>();
    for (const m of r.remapped ?? []) {
      expect(isPersonId(m.to), m.to).toBe(true);
      newIds.add(m.to);
    }
    expect(newIds.size).toBe(want.remappedFrom.length);
    // every person of the file now has a UUID; each sample's thumbnail is under crops/<that id>/
    const ids = [...new Set(input.map((p) => r.remapped?.find((m) => m.from === p.id)?.to ?? p.id))];
    expect(ids.every(isPersonId)).toBe(true);
    for (const id of ids) {
      const person = gallery.people.getPerson(id);
      expect(cropsOf(id)).toHaveLength(person.samples);
      for (const s of gallery.people.samplesOf(id)) {
        expect(s.cropFile).toMatch(new RegExp(`^crops/${id}/[0-9a-f-]{36}\\.jpg$`));
        expect(gallery.people.thumbnail(s.id)?.equals(thumb)).toBe(true);
      }
    }
    expect(galleryCounts(gallery).people).toBe(counts.people + want.people);
    expectUntouched(outside, sandbox.outside(), 'import');
    // erase them again: their folders go, nothing outside the data directory does
    for (const id of ids) {
      gallery.people.deletePerson(id, 'test');
      expect(existsSync(path.join(sandbox.dataDir, 'crops', id))).toBe(false);
    }
    expect(galleryCounts(gallery)).toEqual(counts);
    expectUntouched(outside, sandbox.outside(), 'erase');
  });

  it('a file with valid UUIDs imports as before, twice: the second time skips every sample (no remapped field)', () => {
    const file = galleryFile([{ id: unknownUuid, name: 'Kept', samples: 2 }], thumb, model);
    expect(gallery.transfer.importGallery(file)).toEqual({ people: 1, samples: 2, skipped: 0 });
    expect(gallery.transfer.importGallery(file)).toEqual({ people: 0, samples: 0, skipped: 2 });
    gallery.people.deletePerson(unknownUuid);
  });
});

// ---------------------------------------------------------------------------------------------

type Mutate = (file: ReturnType<typeof galleryFile>) => unknown;
interface RefuseCase { name: string; input: Mutate; expect: { code: keyof typeof errorCodes; message?: RegExp } }

const sample0 = (f: ReturnType<typeof galleryFile>) => f.people[0]!.samples[0]!;
const floats = (...xs: number[]) => Buffer.from(Float32Array.from(xs).buffer).toString('base64');
const invalid = (message?: RegExp) => ({ code: 'E_INVALID_GALLERY_FILE' as const, message });
const nestedObject = (depth: number) => JSON.parse(`{"a":${deepJson(depth)}}`) as Record<string, unknown>;

/** Files refused as a whole: nothing imported, nothing written. */
export const refuseCases: RefuseCase[] = [
  { name: 'not an object (a string)', input: () => 'facestream-gallery', expect: invalid() },
  { name: 'not an object (null)', input: () => null, expect: invalid() },
  { name: 'an array', input: (f) => [f], expect: invalid() },
  { name: 'another format', input: (f) => ({ ...f, format: 'other' }), expect: invalid() },
  { name: 'version 2', input: (f) => ({ ...f, version: 2 }), expect: invalid() },
  { name: 'an extra top-level key', input: (f) => ({ ...f, extra: 1 }), expect: invalid() },
  { name: 'a __proto__ key', input: (f) => ({ ...(JSON.parse('{"__proto__":{"polluted":true}}') as object), ...f }), expect: invalid() },
  { name: 'an extra key with NUL and an RTL mark (echoed escaped)', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, ['x\u0000\u202e']: 1 })) }), expect: invalid(/Unrecognized key/) },
  { name: 'people not an array', input: (f) => ({ ...f, people: { 0: f.people[0] } }), expect: invalid() },
  { name: 'person id missing', input: (f) => ({ ...f, people: f.people.map(({ id: _id, ...p }) => p) }), expect: invalid() },
  { name: 'person id a number', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, id: 42 })) }), expect: invalid() },
  { name: 'person id an object', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, id: { $ne: null } })) }), expect: invalid() },
  { name: 'name empty', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, name: '' })) }), expect: invalid(/name/) },
  { name: 'name with NUL', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, name: 'Ada\u0000' })) }), expect: invalid(/control characters/) },
  { name: 'name with an ANSI escape', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, name: '\u001b[2Jroot' })) }), expect: invalid(/control characters/) },
  { name: 'name with a lone surrogate', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, name: 'Ada\ud800' })) }), expect: invalid(/well-formed/) },
  { name: 'name a number', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, name: 7 })) }), expect: invalid() },
  { name: 'metadata 33 levels deep', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, metadata: JSON.parse('{"a":'.repeat(33) + '1' + '}'.repeat(33)) as object })) }), expect: invalid(/nested deeper/) },
  { name: 'metadata 100,000 levels deep', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, metadata: nestedObject(100_000) })) }), expect: invalid(/nested deeper/) },
  { name: 'quality 100,000 levels deep', input: (f) => { (sample0(f) as { quality: unknown }).quality = nestedObject(100_000); return f; }, expect: invalid(/nested deeper/) },
  { name: 'metadata an array', input: (f) => ({ ...f, people: f.people.map((p) => ({ ...p, metadata: [] })) }), expect: invalid() },
  { name: 'embedding with NaN', input: (f) => { sample0(f).embedding = floats(NaN, 0, 0, 0); return f; }, expect: invalid(/finite/) },
  { name: 'embedding with Infinity', input: (f) => { sample0(f).embedding = floats(Infinity, 0, 0, 0); return f; }, expect: invalid(/finite/) },
  { name: 'embedding of zeros', input: (f) => { sample0(f).embedding = floats(0, 0, 0, 0); return f; }, expect: invalid(/L2-normalised/) },
  { name: 'embedding not normalised', input: (f) => { sample0(f).embedding = floats(2, 0, 0, 0); return f; }, expect: invalid(/L2-normalised/) },
  { name: 'embedding of negative huge numbers', input: (f) => { sample0(f).embedding = floats(-3e38, -3e38, 0, 0); return f; }, expect: invalid(/L2-normalised/) },
  { name: 'embedding of 3 dimensions', input: (f) => { sample0(f).embedding = floats(1, 0, 0); return f; }, expect: invalid(/dimensions/) },
  { name: 'embedding 1 MB', input: (f) => { sample0(f).embedding = Buffer.alloc(1 << 20).toString('base64'); return f; }, expect: invalid(/dimensions/) },
  { name: 'embedding not base64', input: (f) => { sample0(f).embedding = '../../victim'; return f; }, expect: invalid(/dimensions/) },
  { name: 'thumbnail a PNG decompression bomb (not a JPEG)', input: (f) => { sample0(f).thumbnail = pngDeclaring(30000, 30000).toString('base64'); return f; }, expect: invalid(/not a JPEG/) },
  { name: 'thumbnail HTML', input: (f) => { sample0(f).thumbnail = Buffer.from('<script>alert(1)</script>').toString('base64'); return f; }, expect: invalid(/not a JPEG/) },
  { name: 'thumbnail a number', input: (f) => { (sample0(f) as { thumbnail: unknown }).thumbnail = 5; return f; }, expect: invalid() },
  { name: 'dim -1', input: (f) => ({ ...f, dim: -1 }), expect: invalid() },
  { name: 'dim 1.5', input: (f) => ({ ...f, dim: 1.5 }), expect: invalid() },
  { name: 'dim "4"', input: (f) => ({ ...f, dim: '4' }), expect: invalid() },
  { name: 'dim null (NaN in JSON)', input: (f) => ({ ...f, dim: null }), expect: invalid() },
  { name: 'dim 1e9', input: (f) => ({ ...f, dim: 1e9 }), expect: { code: 'E_MODEL_MISMATCH' } },
  { name: 'another model', input: (f) => ({ ...f, modelId: '../../other-model' }), expect: { code: 'E_MODEL_MISMATCH' } },
  { name: 'one good person, then a broken one: nothing of the first is kept', input: (f) => ({ ...f, people: [...f.people, { ...f.people[0]!, id: '../../victim', samples: [{ ...f.people[0]!.samples[0]!, embedding: floats(NaN, 0, 0, 0) }] }] }), expect: invalid(/finite/) },
];

describe('gallery import: broken files are refused whole, with E_INVALID_GALLERY_FILE (or E_MODEL_MISMATCH)', () => {
  it.each(refuseCases)('$name', ({ input, expect: want }) => {
    const outside = sandbox.outside();
    const counts = galleryCounts(gallery);
    const crops = allCrops();
    const file = input(galleryFile([{ id: unknownUuid, name: 'Good', samples: 1 }], thumb, model));
    let thrown: unknown;
    try { gallery.transfer.importGallery(file, 'test'); } catch (e) { thrown = e; }
    expect(thrown).toMatchObject({ code: want.code });
    const message = (thrown as Error).message;
    if (want.message) expect(message).toMatch(want.message);
    // eslint-disable-next-line no-control-regex
    expect(message).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
    expect(message.length).toBeLessThan(1000);
    expect(galleryCounts(gallery)).toEqual(counts);
    expect(allCrops()).toEqual(crops);
    expectUntouched(outside, sandbox.outside(), 'refused import');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
