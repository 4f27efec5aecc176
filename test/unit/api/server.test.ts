import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../../src/api/index.js';
import type { AnalyzeResult } from '../../../src/vision/face.pipeline.js';
import { openGallery, type FaceAnalyzer, type Gallery } from '../../../src/identify/index.js';
import { decodeImage, type ImageInput } from '../../../src/vision/decode/image.decoder.js';
import { testConfig } from '../../helpers/engine.js';

const config = testConfig({ api: { maxUploadBytes: 4096, maxFiles: 3 } });

/**
 * A fake engine that reads identity from colour: grey = no face, green-dominant = two faces,
 * anything else = one face whose embedding points along (red, blue). The bytes are decoded for
 * real, so non-images fail exactly like with the real engine.
 */
const fakeEngine: FaceAnalyzer = {
  modelId: 'fake-colour-4', dim: 4, threshold: 0.05,
  decode: (input: ImageInput) => decodeImage(input, config.image),
  async analyze(input: ImageInput): Promise<AnalyzeResult> {
    const img = await decodeImage(input, config.image);
    const [r, g, b] = [img.data[0]!, img.data[1]!, img.data[2]!];
    const face = (x: number, e: number[]) => {
      const n = Math.hypot(...e);
      return {
        box: { x, y: 0, width: 10, height: 10 }, score: 0.99, truncated: false,
        landmarks: { leftEye: [0, 0], rightEye: [0, 0], nose: [0, 0], mouthLeft: [0, 0], mouthRight: [0, 0] },
        landmarks68: [], quality: { size: 60, sharpness: 100, yaw: 0, passed: true, reasons: [] },
        embedding: Float32Array.from(e, (x) => x / n),
      } as AnalyzeResult['faces'][number];
    };
    const faces = r === g && g === b ? [] : g > 200 ? [face(0, [1, 0, 0, 0]), face(20, [0, 1, 0, 0])] : [face(0, [r, b, 1, 0])];
    return { width: img.width, height: img.height, faces, modelId: 'fake-colour-4', timings: { decode: 0, detect: 0, landmarks: 0, align: 0, embed: 0, total: 0 } };
  },
};

const png = (r: number, g: number, b: number) => sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g, b } } }).png().toBuffer();

interface Part { field: string; filename?: string; type?: string; data: Buffer | string }
/** A multipart/form-data body for inject(). */
function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----facestream-test-boundary';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = p.filename ? `form-data; name="${p.field}"; filename="${p.filename}"` : `form-data; name="${p.field}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

let dir: string;
let gallery: Gallery;
let app: FastifyInstance;
let admin: string, viewer: string;
const logLines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fs-api-unit-'));
  gallery = openGallery({ dataDir: dir, engine: fakeEngine, settings: config.gallery });
  admin = gallery.keys.create('admin', 'test admin').key;
  viewer = gallery.keys.create('viewer', 'test viewer').key;
  const stream = new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } });
  app = await buildApiServer({ gallery, api: config.api, logger: { level: 'trace', stream } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  gallery?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = (key = admin) => ({ authorization: `Bearer ${key}` });

describe('REST API (fastify inject, fake engine, real SQLite)', () => {
  it('serves health without a key and everything else only with one', async () => {
    expect((await app.inject({ url: '/health/live' })).json()).toEqual({ status: 'live' });
    const ready = await app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', modelId: 'fake-colour-4' });
    const none = await app.inject({ url: '/api/people' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } });
    const forged = admin.slice(0, -4) + (admin.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await app.inject({ url: '/api/people', headers: auth(forged) })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/people', headers: auth('garbage') })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/people', headers: auth() })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/people', headers: { 'x-api-key': viewer } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/docs/json' })).statusCode).toBe(401);
  });

  it('publishes the OpenAPI document', async () => {
    const r = await app.inject({ url: '/api/docs/json', headers: auth(viewer) });
    expect(r.statusCode).toBe(200);
    const spec = r.json() as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/people', '/api/people/{id}', '/api/people/{id}/samples', '/api/identify', '/api/sightings', '/health/ready']));
  });

  it('lets viewer keys read but not change anything', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/people', headers: auth(viewer), payload: { name: 'x' } });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ error: { code: 'E_FORBIDDEN' } });
    expect(gallery.people.count()).toBe(0);
    const id = (await app.inject({ method: 'POST', url: '/api/people', headers: auth(), payload: { name: 'v' } })).json().id as string;
    expect((await app.inject({ method: 'DELETE', url: `/api/people/${id}`, headers: auth(viewer) })).statusCode).toBe(403);
    const up = multipart([{ field: 'image', filename: 'a.png', type: 'image/png', data: await png(200, 0, 10) }]);
    expect((await app.inject({ method: 'POST', url: `/api/people/${id}/samples`, headers: { ...up.headers, ...auth(viewer) }, payload: up.payload })).statusCode).toBe(403);
    // identify reads only
    expect((await app.inject({ method: 'POST', url: '/api/identify', headers: { ...up.headers, ...auth(viewer) }, payload: up.payload })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/api/people/${id}`, headers: auth() })).statusCode).toBe(200);
  });

  it('answers bad JSON bodies with stable error codes', async () => {
    const post = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: '/api/people', headers: { ...auth(), 'content-type': type }, payload });
    const cases: [string, number, string][] = [
      ['{"name": "a"', 400, 'E_MALFORMED_JSON'],
      ['{}', 400, 'E_VALIDATION'],
      ['{"name": 123}', 400, 'E_VALIDATION'],
      ['{"name": ""}', 400, 'E_VALIDATION'],
      ['{"name": "a", "metadata": "x"}', 400, 'E_VALIDATION'],
      ['{"name": "a", "admin": true}', 400, 'E_VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(body);
      expect(r.statusCode, body).toBe(status);
      expect(r.json(), body).toMatchObject({ error: { code, message: expect.any(String) } });
    }
    expect((await post('name=a', 'text/plain')).json()).toMatchObject({ error: { code: 'E_UNSUPPORTED_MEDIA_TYPE' } });
    const patch = await app.inject({ method: 'PATCH', url: '/api/people/whoever', headers: auth(), payload: {} });
    expect(patch.json()).toMatchObject({ error: { code: 'E_VALIDATION' } });
    const q = await app.inject({ url: '/api/people?limit=abc', headers: auth() });
    expect(q.statusCode).toBe(400);
    expect(gallery.people.count()).toBe(0);
  });

  it('accepts duplicate names (different people may share a name) and 404s unknown ids', async () => {
    const a = await app.inject({ method: 'POST', url: '/api/people', headers: auth(), payload: { name: 'Sam Lee' } });
    const b = await app.inject({ method: 'POST', url: '/api/people', headers: auth(), payload: { name: 'Sam Lee', metadata: { team: 'b' } } });
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().id).not.toBe(b.json().id);
    const list = await app.inject({ url: '/api/people?name=Sam%20Lee', headers: auth() });
    expect(list.json()).toMatchObject({ total: 2 });
    // a well-formed id nobody has: 404; a malformed one never reaches the store: 400
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const id of [unknown, 'nope']) {
      for (const [method, url] of [['GET', `/api/people/${id}`], ['PATCH', `/api/people/${id}`], ['DELETE', `/api/people/${id}`], ['DELETE', `/api/people/${id}/samples/1`], ['GET', `/api/people/${id}/samples/1/thumbnail`]] as const) {
        const r = await app.inject({ method, url, headers: auth(), ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}) });
        expect(r.statusCode, `${method} ${url}`).toBe(id === unknown ? 404 : 400);
        if (id === unknown) expect(r.json().error.code).toBe('E_NOT_FOUND');
      }
    }
    const up = multipart([{ field: 'image', filename: 'a.png', type: 'image/png', data: await png(200, 0, 10) }]);
    expect((await app.inject({ method: 'POST', url: `/api/people/${unknown}/samples`, headers: { ...up.headers, ...auth() }, payload: up.payload })).statusCode).toBe(404);
    for (const p of [a, b]) await app.inject({ method: 'DELETE', url: `/api/people/${p.json().id}`, headers: auth() });
  });

  it('refuses oversized, non-image and faceless uploads', async () => {
    const id = (await app.inject({ method: 'POST', url: '/api/people', headers: auth(), payload: { name: 'up' } })).json().id as string;
    const send = (parts: Part[], url = `/api/people/${id}/samples`) => { const m = multipart(parts); return app.inject({ method: 'POST', url, headers: { ...m.headers, ...auth() }, payload: m.payload }); };
    const big = await send([{ field: 'image', filename: 'big.png', type: 'image/png', data: Buffer.alloc(10_000, 1) }]);
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('E_PAYLOAD_TOO_LARGE');
    const text = await send([{ field: 'image', filename: 'a.txt', type: 'text/plain', data: 'hello' }]);
    expect(text.statusCode).toBe(415);
    const lying = await send([{ field: 'image', filename: 'a.jpg', type: 'image/jpeg', data: 'this is not a jpeg' }]);
    expect(lying.statusCode).toBe(422);
    expect(lying.json()).toMatchObject({ error: { code: 'E_NO_SAMPLE_ACCEPTED', details: [{ status: 'rejected', reason: 'unreadable' }] } });
    const lyingIdentify = await send([{ field: 'image', filename: 'a.jpg', type: 'image/jpeg', data: 'this is not a jpeg' }], '/api/identify');
    expect(lyingIdentify.statusCode).toBe(415);
    expect(lyingIdentify.json().error.code).toBe('E_NOT_AN_IMAGE');
    const faceless = await send([{ field: 'image', filename: 'grey.png', type: 'image/png', data: await png(90, 90, 90) }]);
    expect(faceless.json()).toMatchObject({ error: { code: 'E_NO_SAMPLE_ACCEPTED', details: [{ reason: 'no_face' }] } });
    const two = await send([{ field: 'image', filename: 'two.png', type: 'image/png', data: await png(10, 250, 10) }]);
    expect(two.json()).toMatchObject({ error: { details: [{ reason: 'several_faces' }] } });
    const tooMany = await send(Array.from({ length: 4 }, (_, i) => ({ field: 'image', filename: `${i}.png`, type: 'image/png', data: Buffer.alloc(10) })));
    expect(tooMany.statusCode).toBe(413);
    const noFile = await send([{ field: 'force', data: 'true' }]);
    expect(noFile.json().error.code).toBe('E_VALIDATION');
    const json = await app.inject({ method: 'POST', url: `/api/people/${id}/samples`, headers: auth(), payload: { image: 'x' } });
    expect(json.statusCode).toBe(415);
    expect(gallery.people.sampleCount(id)).toBe(0);
    await app.inject({ method: 'DELETE', url: `/api/people/${id}`, headers: auth() });
  });

  it('enrolls, identifies, searches sightings and erases a person with an audit record', async () => {
    const red = (await app.inject({ method: 'POST', url: '/api/people', headers: auth(), payload: { name: 'red' } })).json().id as string;
    const blue = (await app.inject({ method: 'POST', url: '/api/people', headers: auth(), payload: { name: 'blue' } })).json().id as string;
    const enroll = async (id: string, data: Buffer, extra: Part[] = []) => {
      const m = multipart([{ field: 'image', filename: 'f.png', type: 'image/png', data }, ...extra]);
      return app.inject({ method: 'POST', url: `/api/people/${id}/samples`, headers: { ...m.headers, ...auth() }, payload: m.payload });
    };
    const e1 = await enroll(red, await png(250, 0, 0));
    expect(e1.statusCode).toBe(201);
    expect(e1.json()).toMatchObject({ accepted: 1, results: [{ status: 'accepted', sampleId: expect.any(Number) }] });
    expect((await enroll(blue, await png(0, 0, 250))).statusCode).toBe(201);
    // a red face offered as "blue": likely mislabel, refused unless forced
    const mislabel = await enroll(blue, await png(240, 0, 5));
    expect(mislabel.json()).toMatchObject({ error: { details: [{ reason: 'matches_other_person', match: { name: 'red' } }] } });
    expect((await enroll(blue, await png(240, 0, 5), [{ field: 'force', data: 'true' }])).statusCode).toBe(201);
    expect(gallery.people.sampleCount(blue)).toBe(2);

    const m = multipart([{ field: 'image', filename: 'q.png', type: 'image/png', data: await png(0, 0, 240) }]);
    const ident = await app.inject({ method: 'POST', url: '/api/identify', headers: { ...m.headers, ...auth(viewer) }, payload: m.payload });
    expect(ident.json()).toMatchObject({ faces: [{ match: { personId: blue, name: 'blue', ambiguous: false } }] });
    const stranger = multipart([{ field: 'image', filename: 'q.png', type: 'image/png', data: await png(120, 0, 120) }]);
    const unk = await app.inject({ method: 'POST', url: '/api/identify', headers: { ...stranger.headers, ...auth() }, payload: stranger.payload });
    expect(unk.json()).toMatchObject({ faces: [{ match: { personId: null, name: null } }] });

    const thumbId = e1.json().results[0].sampleId as number;
    const thumb = await app.inject({ url: `/api/people/${red}/samples/${thumbId}/thumbnail`, headers: auth() });
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(thumb.rawPayload).metadata()).format).toBe('jpeg');

    const s = gallery.sightings;
    s.add({ cameraId: 'door', personId: red, label: 'red', firstSeen: '2024-05-01T10:00:00Z', lastSeen: '2024-05-01T10:00:04Z', maxScore: 0.97, meanScore: 0.95, frames: 8 });
    s.add({ cameraId: 'door', personId: null, label: 'unknown', firstSeen: '2024-05-01T11:00:00Z', lastSeen: '2024-05-01T11:00:02Z', maxScore: 0.5, meanScore: 0.4, frames: 3 });
    s.add({ cameraId: 'yard', personId: red, label: 'red', firstSeen: '2024-05-02T09:00:00Z', lastSeen: '2024-05-02T09:00:01Z', maxScore: 0.96, meanScore: 0.96, frames: 2 });
    const search = async (q: string) => (await app.inject({ url: `/api/sightings${q}`, headers: auth(viewer) })).json() as { total: number; items: { cameraId: string; personId: string | null }[] };
    expect((await search('')).total).toBe(3);
    expect((await search(`?personId=${red}`)).total).toBe(2);
    expect((await search('?unknown=true')).items).toEqual([expect.objectContaining({ personId: null })]);
    expect((await search('?cameraId=yard')).total).toBe(1);
    expect((await search('?from=2024-05-01T10:30:00Z&to=2024-05-01T23:00:00Z')).items).toEqual([expect.objectContaining({ personId: null })]);
    const page = await search('?limit=1&offset=1');
    expect(page).toMatchObject({ total: 3, items: [expect.objectContaining({ cameraId: 'door', personId: null })] });
    expect((await app.inject({ url: '/api/sightings?from=yesterday', headers: auth() })).statusCode).toBe(400);

    const del = await app.inject({ method: 'DELETE', url: `/api/people/${red}`, headers: auth() });
    expect(del.json()).toMatchObject({ personId: red, samples: 1, sightings: 2 });
    expect((await search(`?personId=${red}`)).total).toBe(0);
    expect((await app.inject({ url: `/api/people/${red}`, headers: auth() })).statusCode).toBe(404);
    const audit = gallery.audit.list({ target: red });
    expect(audit[0]).toMatchObject({ action: 'person.erase', actor: expect.stringMatching(/^api-key:/) });

    const sample = gallery.people.samplesOf(blue)[0]!;
    expect((await app.inject({ method: 'DELETE', url: `/api/people/${blue}/samples/${sample.id}`, headers: auth() })).statusCode).toBe(204);
    expect(gallery.index.labels()).not.toContain(sample.id);
  });

  it('never writes an API key to the log', () => {
    const all = logLines.join('');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(admin);
    expect(all).not.toContain(viewer);
    // the secret part (fsk_<8-char public prefix>_<secret>; the prefix itself may contain '_')
    expect(all).not.toContain(admin.slice('fsk_'.length + 9));
  });
});
