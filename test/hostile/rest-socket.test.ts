import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardService } from '../../src/api/live/dashboard.service.js';
import { startDashboard } from '../../src/roles/dashboard.role.js';
import type { Ack } from '../../src/api/live/live-events.schema.js';
import type { Gallery } from '../../src/identify/index.js';
import { startHubServices, type HubServices } from '../../src/roles/hub.services.js';
import { repoRoot } from '../helpers/data.js';
import { testConfig } from '../helpers/engine.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import {
  deepJson, expectUntouched, fakeAnalyzer, galleryCounts, hostileIds, multipart, pngDeclaring, Sandbox, solidPng,
  unknownUuid, verbatimNames, type Part,
} from '../helpers/hostile.js';

/**
 * Hostile input through the hub's HTTP port: REST params, query strings, JSON bodies, multipart
 * uploads, alert rules (webhook targets), and Socket.IO messages, against one DashboardService
 * (REST + dashboard + Socket.IO) with a fake analyzer, real SQLite and real Redis.
 *
 * Every refused case asserts: the status and stable error code, a JSON error body whose message
 * echoes no raw control/RTL characters and stays short, no file outside the data directory
 * touched (sentinels beside and above it, names + sizes + mtimes), no crop file added or removed
 * inside it, people/samples/sightings/rules counts unchanged, the seed person unchanged, and the
 * server still answering.
 */

const maxUploadBytes = 64 * 1024;
const sandbox = new Sandbox('rest');
const prefix = uniquePrefix('hostile-rest');
let services: HubServices;
let dashboard: DashboardService;
let gallery: Gallery;
let base: URL;
const keys = { admin: '', viewer: '', none: '' };
let seed: string, seedSample: number, seedSighting: number;

beforeAll(async () => {
  const config = testConfig({
    data: { dir: sandbox.dataDir }, redis: { url: sharedRedisUrl, prefix },
    api: { host: '127.0.0.1', port: 0, maxUploadBytes, maxFiles: 3 },
  });
  services = await startHubServices(config, { engine: fakeAnalyzer(), logger: pino({ level: 'silent' }) });
  gallery = services.gallery;
  dashboard = await startDashboard({ config, services, logger: pino({ level: 'silent' }) });
  base = new URL(dashboard.address);
  keys.admin = gallery.keys.create('admin', 'hostile admin').key;
  keys.viewer = gallery.keys.create('viewer', 'hostile viewer').key;
  seed = gallery.people.createPerson('Seed').id;
  const enrolled = await gallery.enrollment.enrollPhoto(seed, solidPng(200, 0, 10), { label: 'seed.png' });
  if (enrolled.status !== 'accepted') throw new Error(`seed sample not enrolled: ${JSON.stringify(enrolled)}`);
  seedSample = enrolled.sampleId;
  const now = new Date().toISOString();
  seedSighting = gallery.sightings.add({ cameraId: 'cam1', personId: seed, label: 'Seed', firstSeen: now, lastSeen: now, maxScore: 0.9, meanScore: 0.9, frames: 3 }).id;
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await dashboard?.close();
  await services?.close();
  await cleanupPrefix(sharedRedisUrl, prefix);
  sandbox.remove();
});

// ---------------------------------------------------------------------------------------------
// HTTP over the real port, with raw paths (fetch would normalise `..`)

interface HttpInput {
  method?: string;
  /** Placeholders: {seed} (a person), {sample} (their sample), {sighting} (their sighting). */
  path: string;
  key?: keyof typeof keys;
  json?: unknown;
  body?: string | Buffer;
  contentType?: string;
  form?: Part[];
  headers?: Record<string, string>;
}
/**
 * A stable error. `gap`: what the hub answers today is refused and harmless (4xx, nothing touched)
 * but not in the `{ error: { code, message } }` shape; the case runs with the side-effect checks
 * and again as a KNOWN GAP (it.fails) on the shape, which flips once the gap is closed.
 */
interface Expect { status: number; code: string; gap?: string }
interface RestCase { name: string; input: HttpInput; expect: Expect }
interface Reply { status: number; headers: http.IncomingHttpHeaders; text: string }

const fill = (p: string) => p.replace('{seed}', seed).replace('{sample}', String(seedSample)).replace('{sighting}', String(seedSighting));

function send(input: HttpInput): Promise<Reply> {
  let body: Buffer | undefined;
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  const key = keys[input.key ?? 'admin'];
  if (key) headers.authorization = `Bearer ${key}`;
  if (input.form) {
    const m = multipart(input.form);
    body = m.payload;
    Object.assign(headers, m.headers);
  } else if (input.json !== undefined) {
    body = Buffer.from(JSON.stringify(input.json));
    headers['content-type'] = 'application/json';
  } else if (input.body !== undefined) {
    body = Buffer.from(input.body);
  }
  if (input.contentType !== undefined) headers['content-type'] = input.contentType;
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: base.hostname, port: base.port, method: input.method ?? 'GET', path: fill(input.path), headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    // the server may answer 413 and close before the whole body is written
    req.on('error', (e) => { if (!answered) reject(e); });
    req.end(body);
  });
}

/** Crop files under the data directory (a refused request adds and removes none). */
const cropFiles = () => {
  const crops = path.join(sandbox.dataDir, 'crops');
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  try { return walk(crops).sort(); } catch { return []; }
};

/** `{ error: { code, message } }` with the stable code; the message echoes no raw control or bidi characters and no 10 kB value. */
function expectErrorBody(name: string, r: Reply, code: string | RegExp): void {
  const body = JSON.parse(r.text) as { error: { code: string; message: string } };
  expect(body.error?.code, `${name}: ${r.text.slice(0, 300)}`).toMatch(typeof code === 'string' ? new RegExp(`^${code}$`) : code);
  expect(body.error.message, name).toEqual(expect.any(String));
  // eslint-disable-next-line no-control-regex
  expect(body.error.message, name).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
  expect(r.text.length, name).toBeLessThan(6000);
}

/** A refused request: its answer, and everything that must not have changed. */
async function expectRefused(c: { name: string; input: HttpInput; expect: Expect }): Promise<void> {
  const outside = sandbox.outside();
  const counts = galleryCounts(gallery);
  const crops = cropFiles();
  const seedPerson = gallery.people.getPerson(seed);
  const r = await send(c.input);
  expect(r.status, `${c.name}: ${r.text.slice(0, 300)}`).toBe(c.expect.status);
  expect(r.headers['content-type'], c.name).toMatch(/^application\/json/);
  if (!c.expect.gap) expectErrorBody(c.name, r, c.expect.code);
  expectUntouched(outside, sandbox.outside(), c.name);
  expect(cropFiles(), c.name).toEqual(crops);
  expect(galleryCounts(gallery), c.name).toEqual(counts);
  expect(gallery.people.getPerson(seed), c.name).toEqual(seedPerson);
  expect((await send({ path: '/health/live', key: 'none' })).status, `${c.name}: the server still answers`).toBe(200);
}

const validation: Expect = { status: 400, code: 'E_VALIDATION' };
const notFound: Expect = { status: 404, code: 'E_NOT_FOUND' };
const enc = encodeURIComponent;

// ---------------------------------------------------------------------------------------------
// the tables

/** Every person-id route, with every hostile id in the path. */
const personRoutes: { route: string; method: string; form?: boolean; json?: unknown }[] = [
  { route: '/api/people/:id', method: 'GET' },
  { route: '/api/people/:id', method: 'PATCH', json: { name: 'Renamed' } },
  { route: '/api/people/:id', method: 'DELETE' },
  { route: '/api/people/:id/samples', method: 'POST', form: true },
  { route: '/api/people/:id/samples/1', method: 'DELETE' },
  { route: '/api/people/:id/samples/1/thumbnail', method: 'GET' },
];

/**
 * fastify's router refuses a path parameter longer than its maxParamLength (100) itself: 414 with
 * its own body `{ error: 'Bad Request', code: 'FST_ERR_MAX_PARAM_LENGTH', message: <the path> }`,
 * before any hook or error handler of ours (src/api/server.ts sets no frameworkErrors).
 */
const paramTooLong: Expect = { status: 414, code: 'E_URI_TOO_LONG', gap: 'a path parameter over 100 characters gets fastify\'s own 414 body, not { error: { code, message } } (server.ts: frameworkErrors)' };
/** The same for a path that is not valid percent-encoding (FST_ERR_BAD_URL). */
const badUrl: Expect = { status: 400, code: 'E_BAD_REQUEST', gap: 'a malformed percent-encoding gets fastify\'s own 400 body, not { error: { code, message } } (server.ts: frameworkErrors)' };

/** A GET whose parameter is too long falls through to the dashboard's static files (GET /*): 403 "Forbidden". */
const paramTooLongGet: Expect = { status: 403, code: 'E_BAD_REQUEST', gap: 'a GET with a path parameter over 100 characters falls through to the static files and gets 403 "Forbidden" (server.ts: maxParamLength / frameworkErrors)' };

/** How a hostile id in a path is answered: 400, unless the router refuses it first. */
const idInPathExpect = (id: string, method = 'GET'): Expect => (id.length <= 100 ? validation : method === 'GET' ? paramTooLongGet : paramTooLong);

export const idParamCases: RestCase[] = personRoutes.flatMap(({ route, method, form, json }) => [
  ...hostileIds.map(({ name, id }) => ({
    name: `${method} ${route} with id ${name}`,
    input: { method, path: route.replace(':id', enc(id)), json, form: form ? [{ field: 'image', filename: 'a.png', type: 'image/png', data: solidPng(200, 0, 10) }] : undefined },
    expect: idInPathExpect(id, method),
  })),
  {
    name: `${method} ${route} with a well-formed unknown id: 404, not 400`,
    input: { method, path: route.replace(':id', unknownUuid), json, form: form ? [{ field: 'image', filename: 'a.png', type: 'image/png', data: solidPng(200, 0, 10) }] : undefined },
    expect: notFound,
  },
]);

const badRowIds = ['0', '-1', '1e3', '0x10', '1.5', 'NaN', 'Infinity', '99999999999999999999', enc('1 OR 1=1'), enc('../1'), '%00', enc("1'; DROP TABLE face_samples;--")];

export const rowIdCases: RestCase[] = [
  ...badRowIds.flatMap((x) => [
    { name: `DELETE sample id ${decodeURIComponent(x)}`, input: { method: 'DELETE', path: `/api/people/{seed}/samples/${x}` }, expect: validation },
    { name: `GET thumbnail of sample id ${decodeURIComponent(x)}`, input: { path: `/api/people/{seed}/samples/${x}/thumbnail` }, expect: validation },
    { name: `GET sighting id ${decodeURIComponent(x)}`, input: { path: `/api/sightings/${x}` }, expect: validation },
    { name: `GET sighting crop id ${decodeURIComponent(x)}`, input: { path: `/api/sightings/${x}/crop` }, expect: validation },
    { name: `POST retry of alert id ${decodeURIComponent(x)}`, input: { method: 'POST', path: `/api/alerts/events/${x}/retry` }, expect: validation },
  ]),
  { name: 'DELETE a well-formed unknown sample id', input: { method: 'DELETE', path: '/api/people/{seed}/samples/999999' }, expect: notFound },
  { name: 'DELETE the seed sample through another (unknown) person', input: { method: 'DELETE', path: `/api/people/${unknownUuid}/samples/{sample}` }, expect: notFound },
  { name: 'GET a well-formed unknown sighting id', input: { path: '/api/sightings/999999' }, expect: notFound },
];

const personPost = (json: unknown): HttpInput => ({ method: 'POST', path: '/api/people', json });
const personPostRaw = (body: string, contentType = 'application/json'): HttpInput => ({ method: 'POST', path: '/api/people', body, contentType });
const seedPatch = (json: unknown): HttpInput => ({ method: 'PATCH', path: '/api/people/{seed}', json });

const badNames: { name: string; value: unknown }[] = [
  { name: 'empty', value: '' },
  { name: 'blank', value: '   ' },
  { name: '201 characters', value: 'x'.repeat(201) },
  { name: '10 kB', value: 'x'.repeat(10_240) },
  { name: 'NUL byte', value: 'Ada\u0000Lovelace' },
  { name: 'ANSI escape (terminal injection)', value: '\u001b[2J\u001b[31mroot' },
  { name: 'newline (log injection)', value: 'Ada\nINFO forged log line' },
  { name: 'DEL', value: 'Ada\u007f' },
  { name: 'C1 control (NEL)', value: 'Ada\u0085' },
  { name: 'number', value: 123 },
  { name: 'null', value: null },
  { name: 'boolean', value: true },
  { name: 'array', value: ['Ada'] },
  { name: 'object', value: { first: 'Ada' } },
];

const nested = (depth: number): Record<string, unknown> => { let v: Record<string, unknown> = {}; for (let i = 0; i < depth; i++) v = { a: v }; return v; };

export const bodyCases: RestCase[] = [
  ...badNames.map(({ name, value }) => ({ name: `POST /api/people name ${name}`, input: personPost({ name: value }), expect: validation })),
  ...badNames.map(({ name, value }) => ({ name: `PATCH the seed with name ${name}`, input: seedPatch({ name: value }), expect: validation })),
  { name: 'POST /api/people name with a lone surrogate', input: personPostRaw('{"name":"Ada\\ud800"}'), expect: validation },
  { name: 'POST /api/people missing name', input: personPost({ metadata: {} }), expect: validation },
  { name: 'POST /api/people choosing its own id ../../victim', input: personPost({ name: 'Eve', id: '../../victim' }), expect: validation },
  { name: 'POST /api/people choosing its own id (a UUID)', input: personPost({ name: 'Eve', id: unknownUuid }), expect: validation },
  { name: 'POST /api/people with an extra admin flag', input: personPost({ name: 'Eve', admin: true }), expect: validation },
  { name: 'POST /api/people metadata string', input: personPost({ name: 'Eve', metadata: 'x' }), expect: validation },
  { name: 'POST /api/people metadata array', input: personPost({ name: 'Eve', metadata: [1] }), expect: validation },
  { name: 'POST /api/people metadata null', input: personPost({ name: 'Eve', metadata: null }), expect: validation },
  { name: 'POST /api/people metadata 33 levels deep', input: personPost({ name: 'Eve', metadata: nested(33) }), expect: validation },
  { name: 'POST /api/people metadata 200,000 levels deep (400 kB)', input: personPostRaw(`{"name":"Eve","metadata":{"a":${deepJson(200_000)}}}`), expect: validation },
  { name: 'PATCH the seed with metadata 200,000 levels deep', input: { ...seedPatch(undefined), body: `{"metadata":{"a":${deepJson(200_000)}}}`, contentType: 'application/json' }, expect: validation },
  { name: 'PATCH the seed with an empty body object', input: seedPatch({}), expect: validation },
  { name: 'body: __proto__ key (prototype poisoning)', input: personPostRaw('{"name":"Eve","__proto__":{"admin":true}}'), expect: { status: 400, code: 'E_MALFORMED_JSON' } },
  { name: 'body: constructor.prototype (prototype poisoning)', input: personPostRaw('{"name":"Eve","metadata":{"constructor":{"prototype":{"admin":true}}}}'), expect: { status: 400, code: 'E_MALFORMED_JSON' } },
  { name: 'body: truncated JSON', input: personPostRaw('{"name": "Eve"'), expect: { status: 400, code: 'E_MALFORMED_JSON' } },
  { name: 'body: NaN literal', input: personPostRaw('{"name": NaN}'), expect: { status: 400, code: 'E_MALFORMED_JSON' } },
  { name: 'body: Infinity literal', input: personPostRaw('{"name": Infinity}'), expect: { status: 400, code: 'E_MALFORMED_JSON' } },
  { name: 'body: 1e999 (parses to Infinity)', input: personPostRaw('{"name": 1e999}'), expect: validation },
  { name: 'body: empty with a JSON content type', input: personPostRaw(''), expect: { status: 400, code: 'E_MALFORMED_JSON' } },
  { name: 'body: top-level array', input: personPostRaw('[{"name":"Eve"}]'), expect: validation },
  { name: 'body: top-level null', input: personPostRaw('null'), expect: validation },
  { name: 'body: 2 MiB (above the 1 MiB body limit)', input: personPost({ name: 'x'.repeat(2 * 1024 * 1024) }), expect: { status: 413, code: 'E_PAYLOAD_TOO_LARGE' } },
  { name: 'body: text/plain', input: personPostRaw('name=Eve', 'text/plain'), expect: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'body: form-urlencoded', input: personPostRaw('name=Eve', 'application/x-www-form-urlencoded'), expect: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'body: XML', input: personPostRaw('<person><name>Eve</name></person>', 'application/xml'), expect: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'body: multipart where JSON is expected', input: { method: 'POST', path: '/api/people', form: [{ field: 'name', data: 'Eve' }] }, expect: validation },
  { name: 'path: malformed percent-encoding', input: { path: '/api/people/%E0%A4%A' }, expect: badUrl },
  { name: 'viewer key creating a person', input: { ...personPost({ name: 'Eve' }), key: 'viewer' }, expect: { status: 403, code: 'E_FORBIDDEN' } },
  { name: 'no key', input: { ...personPost({ name: 'Eve' }), key: 'none' }, expect: { status: 401, code: 'E_UNAUTHORIZED' } },
  { name: 'a 10 kB key', input: { path: '/api/people', key: 'none', headers: { authorization: `Bearer ${'k'.repeat(10_240)}` } }, expect: { status: 401, code: 'E_UNAUTHORIZED' } },
  { name: 'an SQL key', input: { path: '/api/people', key: 'none', headers: { 'x-api-key': "' OR '1'='1" } }, expect: { status: 401, code: 'E_UNAUTHORIZED' } },
];

export const queryCases: RestCase[] = [
  ...['-1', '0', '501', 'NaN', 'Infinity', '1e309', 'abc', '1.5', enc('1; DROP TABLE people')].map((x) => ({ name: `GET /api/people?limit=${decodeURIComponent(x)}`, input: { path: `/api/people?limit=${x}` }, expect: validation })),
  { name: 'GET /api/people?offset=-1', input: { path: '/api/people?offset=-1' }, expect: validation },
  { name: 'GET /api/people?name= NUL', input: { path: '/api/people?name=%00' }, expect: validation },
  { name: 'GET /api/people?name= 10 kB', input: { path: `/api/people?name=${'x'.repeat(10_240)}` }, expect: validation },
  { name: 'GET /api/people with an unknown parameter', input: { path: '/api/people?admin=1' }, expect: validation },
  ...hostileIds.filter(({ id }) => id !== '').map(({ name, id }) => ({ name: `GET /api/sightings?personId= ${name}`, input: { path: `/api/sightings?personId=${enc(id)}` }, expect: validation })),
  { name: 'GET /api/sightings?from= not a date', input: { path: `/api/sightings?from=${enc("2025-01-01' OR 1=1")}` }, expect: validation },
  { name: 'GET /api/sightings?from= month 13', input: { path: '/api/sightings?from=2025-13-45T00:00:00Z' }, expect: validation },
  { name: 'GET /api/sightings?unknown=maybe', input: { path: '/api/sightings?unknown=maybe' }, expect: validation },
  { name: 'GET /api/sightings?limit=-5', input: { path: '/api/sightings?limit=-5' }, expect: validation },
  { name: 'GET /api/audit?target= 201 characters', input: { path: `/api/audit?target=${'x'.repeat(201)}` }, expect: validation },
  { name: 'GET /api/alerts/events?ruleId= ../../victim', input: { path: `/api/alerts/events?ruleId=${enc('../../victim')}` }, expect: validation },
  { name: 'GET /api/alerts/events?delivery= SQL', input: { path: `/api/alerts/events?delivery=${enc("dead' OR 1=1")}` }, expect: validation },
];

const image = (data: Buffer, filename = 'a.png', type = 'image/png'): Part => ({ field: 'image', filename, type, data });
const grey = solidPng(128, 128, 128); // no face: a refused upload writes nothing
const upload = (form: Part[], path = '/api/people/{seed}/samples'): HttpInput => ({ method: 'POST', path, form });
const noSample: Expect = { status: 422, code: 'E_NO_SAMPLE_ACCEPTED' };
const html = Buffer.from('<html><script>alert(1)</script></html>');

export const uploadCases: RestCase[] = [
  ...[
    ['traversal', '../../victim/keep.txt'], ['absolute path', '/etc/passwd'], ['NUL byte', 'a\u0000b.png'], ['10 kB', `${'x'.repeat(10_240)}.png`],
    ['HTML/script', '<img src=x onerror=alert(1)>.png'], ['RTL override', 'photo\u202egnp.exe'], ['SQL', "a'; DROP TABLE face_samples;--.png"], ['empty', ''],
  ].map(([name, filename]) => ({ name: `upload file name: ${name} (a label only)`, input: upload([image(grey, filename)]), expect: noSample })),
  { name: 'upload file name with CRLF forging a part header', input: upload([image(grey, 'a.png"\r\nContent-Type: text/html\r\nX: "')]), expect: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'upload declared text/html', input: upload([image(html, 'a.html', 'text/html')]), expect: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'upload declared application/octet-stream', input: upload([image(grey, 'a.bin', 'application/octet-stream')]), expect: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'upload with no content type', input: upload([{ field: 'image', filename: 'a.png', data: grey }]), expect: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'upload declared image/png holding HTML', input: upload([image(html)]), expect: noSample },
  { name: 'upload: decompression bomb (PNG declaring 30000x30000)', input: upload([image(pngDeclaring(30000, 30000))]), expect: noSample },
  { name: 'upload: truncated PNG', input: upload([image(solidPng(200, 0, 10).subarray(0, 60))]), expect: noSample },
  { name: 'upload above api.maxUploadBytes', input: upload([image(Buffer.concat([solidPng(200, 0, 10), Buffer.alloc(maxUploadBytes)]))]), expect: { status: 413, code: 'E_PAYLOAD_TOO_LARGE' } },
  { name: 'upload of 4 files (api.maxFiles 3)', input: upload([image(grey), image(grey), image(grey), image(grey)]), expect: { status: 413, code: 'E_TOO_MANY_FILES' } },
  { name: 'upload with 25 fields', input: upload([...Array.from({ length: 25 }, (_, i) => ({ field: `f${i}`, data: 'x' })), image(grey)]), expect: { status: 413, code: 'E_TOO_MANY_FIELDS' } },
  { name: 'upload with no file', input: upload([{ field: 'force', data: 'true' }]), expect: validation },
  { name: 'upload force field holding SQL', input: upload([{ field: 'force', data: "true'; DROP TABLE face_samples;--" }, image(grey)]), expect: noSample },
  { name: 'upload as JSON', input: { method: 'POST', path: '/api/people/{seed}/samples', json: { image: 'iVBORw0KGgo=' } }, expect: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'upload: multipart without a boundary', input: { method: 'POST', path: '/api/people/{seed}/samples', body: multipart([image(grey)]).payload, contentType: 'multipart/form-data' }, expect: { status: 400, code: 'E_BAD_REQUEST' } },
  { name: 'upload: multipart with the wrong boundary', input: { method: 'POST', path: '/api/people/{seed}/samples', body: multipart([image(grey)]).payload, contentType: 'multipart/form-data; boundary=other' }, expect: { status: 400, code: 'E_BAD_REQUEST' } },
  { name: 'upload: multipart cut off mid-file', input: { method: 'POST', path: '/api/people/{seed}/samples', body: multipart([image(solidPng(200, 0, 10))]).payload.subarray(0, 150), contentType: multipart([]).headers['content-type'] }, expect: { status: 400, code: 'E_BAD_REQUEST' } },
  { name: 'identify: decompression bomb', input: upload([image(pngDeclaring(30000, 30000))], '/api/identify'), expect: { status: 413, code: 'E_IMAGE_TOO_LARGE' } },
  { name: 'identify: HTML declared as PNG', input: upload([image(html)], '/api/identify'), expect: { status: 415, code: 'E_NOT_AN_IMAGE' } },
  { name: 'identify: truncated PNG', input: upload([image(solidPng(200, 0, 10).subarray(0, 60))], '/api/identify'), expect: { status: 422, code: 'E_CORRUPT_IMAGE' } },
  { name: 'identify: 1x1 image', input: upload([image(solidPng(200, 0, 10, 1))], '/api/identify'), expect: { status: 422, code: 'E_IMAGE_TOO_SMALL' } },
  { name: 'identify: two files', input: upload([image(grey), image(grey)], '/api/identify'), expect: validation },
  { name: 'identify: multipart without a boundary', input: { method: 'POST', path: '/api/identify', body: multipart([image(grey)]).payload, contentType: 'multipart/form-data' }, expect: { status: 400, code: 'E_BAD_REQUEST' } },
];

const rule = (over: Record<string, unknown>) => ({ version: 1, name: 'Rule', kind: 'unknown', ...over });
const rulePost = (over: Record<string, unknown>): HttpInput => ({ method: 'POST', path: '/api/alerts/rules', json: rule(over) });
const target: Expect = { status: 400, code: 'E_WEBHOOK_TARGET' };

/**
 * Alert rules. Webhook URLs: a few through the REST entry point; the full address table (every
 * private, loopback, link-local, metadata, IPv6-mapped, DNS rebinding and redirect case) is
 * test/unit/notify/target.guard.test.ts, which this does not repeat.
 */
export const ruleCases: RestCase[] = [
  ...hostileIds.map(({ name, id }) => ({ name: `rule personIds with ${name}`, input: rulePost({ kind: 'person', personIds: [id] }), expect: validation })),
  { name: 'rule personIds: a valid id next to a traversal', input: rulePost({ kind: 'watchlist', personIds: [unknownUuid, '../../victim'] }), expect: validation },
  { name: 'rule personIds: 1001 ids', input: rulePost({ kind: 'watchlist', personIds: Array.from({ length: 1001 }, () => unknownUuid) }), expect: validation },
  { name: 'rule webhook loopback 127.0.0.1', input: rulePost({ webhook: { url: 'http://127.0.0.1:9/hook' } }), expect: target },
  { name: 'rule webhook cloud metadata 169.254.169.254', input: rulePost({ webhook: { url: 'http://169.254.169.254/latest/meta-data/' } }), expect: target },
  { name: 'rule webhook IPv6 loopback', input: rulePost({ webhook: { url: 'http://[::1]:8080/x' } }), expect: target },
  { name: 'rule webhook private 10/8', input: rulePost({ webhook: { url: 'https://10.0.0.5/x' } }), expect: target },
  { name: 'rule webhook file: URL', input: rulePost({ webhook: { url: 'file:///etc/passwd' } }), expect: validation },
  { name: 'rule webhook javascript: URL', input: rulePost({ webhook: { url: 'javascript:alert(1)' } }), expect: validation },
  { name: 'rule webhook gopher: (Redis smuggling)', input: rulePost({ webhook: { url: 'gopher://127.0.0.1:6379/_FLUSHALL' } }), expect: validation },
  { name: 'rule webhook scheme-relative URL', input: rulePost({ webhook: { url: '//example.com/x' } }), expect: validation },
  { name: 'rule webhook 3000-character URL', input: rulePost({ webhook: { url: `https://example.com/${'x'.repeat(3000)}` } }), expect: validation },
  { name: 'rule webhook URL with NUL', input: rulePost({ webhook: { url: 'https://exa\u0000mple.com/' } }), expect: validation },
  { name: 'rule webhook crop mode unknown', input: rulePost({ webhook: { url: 'https://example.com/h', crop: 'file' } }), expect: validation },
  { name: 'rule name with NUL', input: rulePost({ name: 'a\u0000b' }), expect: validation },
  { name: 'rule name 201 characters', input: rulePost({ name: 'x'.repeat(201) }), expect: validation },
  { name: 'rule kind unknown', input: rulePost({ kind: 'everyone' }), expect: validation },
  { name: 'rule version 2', input: rulePost({ version: 2 }), expect: validation },
  { name: 'rule choosing its own secret', input: rulePost({ secret: 'known' }), expect: validation },
  { name: 'rule choosing its own id', input: rulePost({ id: '../../victim' }), expect: validation },
  ...[-1, 1e9, 1.5, '5', null].map((v) => ({ name: `rule cooldownS ${JSON.stringify(v)}`, input: rulePost({ cooldownS: v }), expect: validation })),
  { name: 'rule cooldownS 1e999', input: { method: 'POST', path: '/api/alerts/rules', body: '{"version":1,"name":"R","kind":"unknown","cooldownS":1e999}', contentType: 'application/json' }, expect: validation },
  { name: 'rule hours from -1', input: rulePost({ hours: { from: -1, to: 5 } }), expect: validation },
  { name: 'rule hours to 24', input: rulePost({ hours: { from: 0, to: 24 } }), expect: validation },
  { name: 'rule time zone as a path', input: rulePost({ hours: { from: 1, to: 5, timeZone: '../../../etc/localtime' } }), expect: validation },
  { name: 'rule camera id 65 characters', input: rulePost({ cameraIds: ['c'.repeat(65)] }), expect: validation },
  { name: 'rule by a viewer key', input: { ...rulePost({}), key: 'viewer' }, expect: { status: 403, code: 'E_FORBIDDEN' } },
  ...hostileIds.filter(({ id }) => id !== '').flatMap(({ name, id }) => [
    { name: `GET rule id ${name}`, input: { path: `/api/alerts/rules/${enc(id)}` }, expect: idInPathExpect(id) },
    { name: `DELETE rule id ${name}`, input: { method: 'DELETE', path: `/api/alerts/rules/${enc(id)}` }, expect: idInPathExpect(id, 'DELETE') },
    { name: `PUT rule id ${name}`, input: { method: 'PUT', path: `/api/alerts/rules/${enc(id)}`, json: rule({}) }, expect: idInPathExpect(id, 'PUT') },
  ]),
  { name: 'GET a well-formed unknown rule id', input: { path: `/api/alerts/rules/${unknownUuid}` }, expect: notFound },
];

const clusterKeys: { name: string; key: string; expect: Expect }[] = [
  { name: 'traversal ../../victim', key: '../../victim', expect: validation },
  { name: 'dot-dot', key: '..', expect: validation },
  { name: 'nested path a/b', key: 'a/b', expect: validation },
  { name: 'SQL', key: "x-1' OR '1'='1", expect: validation },
  { name: 'HTML', key: '<b>x</b>', expect: validation },
  { name: 'RTL override', key: '\u202ex-1', expect: validation },
  { name: '201 characters', key: 'x'.repeat(201), expect: paramTooLong },
  { name: 'well-formed, unknown', key: 'zz9-12345', expect: notFound },
];

export const dashboardCases: RestCase[] = [
  ...clusterKeys.flatMap(({ name, key, expect: e }) => [
    { name: `POST /api/unknowns/:key/name with key ${name}`, input: { method: 'POST', path: `/api/unknowns/${enc(key)}/name`, json: { version: 1, name: 'Eve' } }, expect: e },
    { name: `DELETE /api/unknowns/:key with key ${name}`, input: { method: 'DELETE', path: `/api/unknowns/${enc(key)}` }, expect: e },
  ]),
  { name: 'POST /api/unknowns/:key/name with a NUL name', input: { method: 'POST', path: '/api/unknowns/zz9-1/name', json: { version: 1, name: 'E\u0000ve' } }, expect: validation },
  ...[-1, 0, 1.5, '1', null].map((v) => ({ name: `not-this-person removeSampleId ${JSON.stringify(v)}`, input: { method: 'POST', path: '/api/sightings/{sighting}/not-this-person', json: { version: 1, removeSampleId: v } }, expect: validation })),
  { name: 'not-this-person with an extra personId', input: { method: 'POST', path: '/api/sightings/{sighting}/not-this-person', json: { version: 1, personId: '../../victim' } }, expect: validation },
  { name: 'not-this-person on the seed sighting removing a sample of nobody (nothing relabelled)', input: { method: 'POST', path: '/api/sightings/{sighting}/not-this-person', json: { version: 1, removeSampleId: 999999 } }, expect: notFound },
];

// ---------------------------------------------------------------------------------------------

describe('hostile REST input: a clear error, nothing touched outside the data directory, nothing enrolled or deleted', () => {
  const tables: [string, RestCase[]][] = [
    ['person ids in paths', idParamCases], ['numeric ids in paths', rowIdCases], ['JSON bodies and auth', bodyCases],
    ['query strings', queryCases], ['multipart uploads', uploadCases], ['alert rules and webhook targets', ruleCases],
    ['dashboard routes (sightings, unknowns)', dashboardCases],
  ];
  for (const [title, cases] of tables) {
    it(`${title} (${cases.length} cases)`, async () => {
      for (const c of cases) await expectRefused(c);
      // the seed's sighting still names the seed; its sample is still there
      expect(gallery.sightings.get(seedSighting)?.personId).toBe(seed);
      expect(gallery.people.sampleOf(seed, seedSample)).toBeDefined();
    });
  }
  // refused and harmless (checked above), but not in our error shape yet: flips when fixed
  const gaps = new Map<string, RestCase>();
  for (const [, cases] of tables) for (const c of cases) if (c.expect.gap && !gaps.has(c.expect.gap)) gaps.set(c.expect.gap, c);
  for (const [gap, c] of gaps) {
    it.fails(`KNOWN GAP: ${gap} (e.g. ${c.name})`, async () => {
      const r = await send(c.input);
      expect([400, 414]).toContain(r.status);
      expectErrorBody(c.name, r, /^E_[A-Z_]+$/);
    });
  }
});

describe('names are data: stored verbatim, served as JSON, drawn as text', () => {
  it.each(verbatimNames)('person name: $name', async ({ value }) => {
    const counts = galleryCounts(gallery);
    const outside = sandbox.outside();
    const created = await send(personPost({ name: value, metadata: { note: value } }));
    expect(created.status, created.text).toBe(201);
    const id = (JSON.parse(created.text) as { id: string }).id;
    const got = await send({ path: `/api/people/${id}` });
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(got.text)).toMatchObject({ id, name: value, metadata: { note: value } });
    // the raw text is JSON: no HTML tag survives unescaped outside a JSON string
    expect(got.text.startsWith('{')).toBe(true);
    const listed = await send({ path: `/api/people?name=${enc(value)}` });
    expect(JSON.parse(listed.text)).toMatchObject({ total: 1, items: [{ id, name: value }] });
    expect((await send({ method: 'DELETE', path: `/api/people/${id}` })).status).toBe(200);
    expect(galleryCounts(gallery)).toEqual(counts);
    expectUntouched(outside, sandbox.outside(), value);
  });

  it('an alert rule named with HTML is stored verbatim and served as JSON', async () => {
    const name = '<script>alert(1)</script>';
    const r = await send(rulePost({ name, kind: 'person', personIds: [seed] }));
    expect(r.status, r.text).toBe(201);
    const created = JSON.parse(r.text) as { id: string; name: string };
    expect(created.name).toBe(name);
    const got = await send({ path: `/api/alerts/rules/${created.id}` });
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(got.text)).toMatchObject({ name, personIds: [seed] });
    expect((await send({ method: 'DELETE', path: `/api/alerts/rules/${created.id}` })).status).toBe(204);
  });

  it('the dashboard writes data only as text (web/dom.js) under a CSP without inline script', async () => {
    const web = path.join(repoRoot, 'web');
    for (const f of readdirSync(web).filter((x) => x.endsWith('.js'))) {
      const src = readFileSync(path.join(web, f), 'utf8');
      expect(src, f).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
    }
    const dom = readFileSync(path.join(web, 'dom.js'), 'utf8');
    expect(dom).toMatch(/el\.textContent = String\(v\)/);
    expect(dom).toMatch(/document\.createTextNode\(String\(c\)\)/);
    const page = await send({ path: '/', key: 'none' });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });
});

// ---------------------------------------------------------------------------------------------
// Socket.IO

const sockets: Socket[] = [];
const open = (key: string): Promise<Socket> => new Promise((ok, fail) => {
  const s = connect(base.origin, { auth: { key }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(s);
  s.once('connect', () => ok(s));
  s.once('connect_error', fail);
});
/** Emit and wait for the ack; 'no-ack' when none comes within `ms`. */
const emit = (s: Socket, event: string, body: unknown, ms = 2000): Promise<Ack | 'no-ack'> =>
  new Promise((ok) => { s.timeout(ms).emit(event, body, (err: unknown, a: Ack) => ok(err ? 'no-ack' : a)); });

/** `body` may be a function: messages that name the seed's rows (known only once the hub runs). */
interface SocketCase { name: string; input: { event: string; body: unknown; key?: 'admin' | 'viewer' }; expect: { code: string } | 'no-ack' }

const ns = (sightingId: unknown, extra: Record<string, unknown> = {}) => ({ version: 1, sightingId, ...extra });

export const socketCases: SocketCase[] = [
  ...([
    ['a string', 'x'], ['a number', 5], ['null', null], ['an array', []], ['an empty object', {}], ['version 2', { version: 2, lastSightingId: null }],
    ['lastSightingId -1', { version: 1, lastSightingId: -1 }], ['lastSightingId 1.5', { version: 1, lastSightingId: 1.5 }], ['lastSightingId "1"', { version: 1, lastSightingId: '1' }],
    ['lastSightingId 1e308', { version: 1, lastSightingId: 1e308 }], ['lastSightingId NaN (sent as null)', { version: 1, lastSightingId: NaN, x: 1 }],
    ['an extra key', { version: 1, lastSightingId: null, admin: true }],
    ['a __proto__ key', JSON.parse('{"version":1,"lastSightingId":null,"__proto__":{"admin":true}}') as unknown],
    ['binary', Buffer.from('resync')],
  ] as const).map(([name, body]) => ({ name: `resync with ${name}`, input: { event: 'resync', body, key: 'viewer' as const }, expect: { code: 'E_VALIDATION' } })),
  ...([
    ['"1"', '1'], ['-1', -1], ['0', 0], ['1.5', 1.5], ['null', null], ['NaN', NaN], ['Infinity', Infinity], ['1e308', 1e308],
    ['{$gt: 0}', { $gt: 0 }], ['"1 OR 1=1"', '1 OR 1=1'], ['[1]', [1]], ['../../victim', '../../victim'],
  ] as const).map(([name, id]) => ({ name: `not-this-person with sightingId ${name}`, input: { event: 'sighting:not-this-person', body: ns(id) }, expect: { code: 'E_VALIDATION' } })),
  { name: 'not-this-person with removeSampleId -1', input: { event: 'sighting:not-this-person', body: ns(1, { removeSampleId: -1 }) }, expect: { code: 'E_VALIDATION' } },
  { name: 'not-this-person with an extra personId', input: { event: 'sighting:not-this-person', body: ns(1, { personId: '../../victim' }) }, expect: { code: 'E_VALIDATION' } },
  { name: 'not-this-person with a well-formed unknown sighting', input: { event: 'sighting:not-this-person', body: ns(999999) }, expect: { code: 'E_NOT_FOUND' } },
  { name: 'not-this-person on the seed sighting removing a sample of nobody (nothing relabelled)', input: { event: 'sighting:not-this-person', body: () => ({ version: 1, sightingId: seedSighting, removeSampleId: 999999 }) }, expect: { code: 'E_NOT_FOUND' } },
  ...clusterKeys.map(({ name, key, expect: e }) => ({ name: `unknown:ignore with clusterKey ${name}`, input: { event: 'unknown:ignore', body: { version: 1, clusterKey: key } }, expect: { code: e === notFound ? 'E_NOT_FOUND' : 'E_VALIDATION' } })),
  ...hostileIds.map(({ name, id }) => ({ name: `unknown:ignore with the hostile id ${name} as key`, input: { event: 'unknown:ignore', body: { version: 1, clusterKey: id } }, expect: { code: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/.test(id) ? 'E_NOT_FOUND' : 'E_VALIDATION' } })),
  { name: 'viewer sending a hostile not-this-person', input: { event: 'sighting:not-this-person', body: ns('../../victim'), key: 'viewer' }, expect: { code: 'E_FORBIDDEN' } },
  { name: 'viewer sending a hostile unknown:ignore', input: { event: 'unknown:ignore', body: { version: 1, clusterKey: '../../victim' }, key: 'viewer' }, expect: { code: 'E_FORBIDDEN' } },
  { name: 'an event the hub does not handle (people:delete)', input: { event: 'people:delete', body: { id: '../../victim' } }, expect: 'no-ack' },
];

/** Raw socket.io packets (what a client library would never send); the hub must survive each. */
export const rawPacketCases: { name: string; input: (string | Buffer)[]; expect: 'survives' }[] = [
  { name: 'JSON nested 100,000 levels', input: [`42["resync",${deepJson(100_000)}]`], expect: 'survives' },
  { name: 'binary placeholder nested 50,000 levels', input: [`451-["resync",${'['.repeat(50_000)}{"_placeholder":true,"num":0}${']'.repeat(50_000)}]`, Buffer.from([1, 2, 3])], expect: 'survives' },
  { name: 'binary placeholder pointing past the attachments', input: ['451-["resync",{"_placeholder":true,"num":7}]', Buffer.from([1])], expect: 'survives' },
  { name: 'a message above maxHttpBufferSize (300 kB)', input: [`42["resync",${JSON.stringify('x'.repeat(300 * 1024))}]`], expect: 'survives' },
  { name: 'a malformed packet', input: ['42["resync",{'], expect: 'survives' },
  { name: 'a reserved event name (disconnect)', input: ['42["disconnect"]'], expect: 'survives' },
  { name: 'an event named __proto__', input: ['42["__proto__",{"admin":true}]'], expect: 'survives' },
];

describe('hostile Socket.IO messages: a clear ack, nothing changed, the hub keeps serving', () => {
  let admin: Socket, viewer: Socket;
  beforeAll(async () => {
    admin = await open(keys.admin);
    viewer = await open(keys.viewer);
  });

  it(`messages (${socketCases.length} cases)`, async () => {
    for (const c of socketCases) {
      const outside = sandbox.outside();
      const counts = galleryCounts(gallery);
      const body = typeof c.input.body === 'function' ? (c.input.body as () => unknown)() : c.input.body;
      const a = await emit(c.input.key === 'viewer' ? viewer : admin, c.input.event, body, c.expect === 'no-ack' ? 300 : 2000);
      if (c.expect === 'no-ack') expect(a, c.name).toBe('no-ack');
      else {
        expect(a, c.name).toMatchObject({ ok: false, error: { code: c.expect.code, message: expect.any(String) } });
        // eslint-disable-next-line no-control-regex
        expect((a as { error: { message: string } }).error.message, c.name).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
        expect((a as { error: { message: string } }).error.message.length, c.name).toBeLessThan(2000);
      }
      expectUntouched(outside, sandbox.outside(), c.name);
      expect(galleryCounts(gallery), c.name).toEqual(counts);
      expect(gallery.sightings.get(seedSighting)?.personId, c.name).toBe(seed);
      expect(admin.connected && viewer.connected, `${c.name}: still connected`).toBe(true);
    }
  });

  it.each(rawPacketCases)('raw packet: $name', async ({ input }) => {
    const outside = sandbox.outside();
    const counts = galleryCounts(gallery);
    const s = await open(keys.admin);
    const engine = (s.io as unknown as { engine: { write(d: string | Buffer): void } }).engine;
    for (const part of input) engine.write(part);
    await new Promise((ok) => setTimeout(ok, 300));
    // whatever became of that socket, the hub answers HTTP and new sockets as before
    expect((await send({ path: '/health/ready', key: 'none' })).status).toBe(200);
    const fresh = await open(keys.viewer);
    expect(await emit(fresh, 'resync', { version: 1, lastSightingId: null })).toMatchObject({ ok: true });
    fresh.disconnect();
    s.disconnect();
    expect(admin.connected && viewer.connected).toBe(true);
    expectUntouched(outside, sandbox.outside(), 'raw packet');
    expect(galleryCounts(gallery)).toEqual(counts);
  });
});
