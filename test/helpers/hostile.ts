import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { ImageConfig } from '../../src/config/schema.js';
import type { FaceAnalyzer, Gallery } from '../../src/identify/index.js';
import { decodeImage, type ImageInput } from '../../src/vision/decode/image.decoder.js';
import type { AnalyzeResult } from '../../src/vision/face.pipeline.js';
import { repoRoot } from './data.js';

/**
 * Shared pieces of the hostile-input suite (test/hostile): the hostile strings every entry point
 * is fed, a sandbox whose data directory has sentinel files beside it (snapshotted before and
 * after every case), a fake analyzer (the model is irrelevant to input handling), the CLI runner
 * and request builders.
 */

// ---------------------------------------------------------------------------------------------
// hostile values

/** The resnet34 embedder's id and size: what a gallery file for the real CLI must declare. */
export const realModel = { modelId: 'faceapi-resnet34-128@dlibchip150p25', dim: 128 } as const;

/** A well-formed person id that no store holds (a 404, not a 400). */
export const unknownUuid = '00000000-0000-4000-8000-000000000000';

/** Person ids that are not ids: each must be refused (REST, socket, CLI) or remapped (import). */
export const hostileIds: { name: string; id: string }[] = [
  { name: 'traversal ../../victim', id: '../../victim' },
  { name: 'traversal ../../..', id: '../../..' },
  { name: 'dot-dot', id: '..' },
  { name: 'dot', id: '.' },
  { name: 'nested path a/b', id: 'a/b' },
  { name: 'backslash path ..\\..\\victim', id: '..\\..\\victim' },
  { name: 'absolute path /etc/passwd', id: '/etc/passwd' },
  { name: 'crops sub-folder "sightings"', id: 'sightings' },
  { name: 'NUL byte', id: `${unknownUuid.slice(0, -1)}\u0000` },
  { name: 'UUID followed by NUL and a path', id: `${unknownUuid}\u0000/../../victim` },
  { name: '10 kB long', id: 'a'.repeat(10_240) },
  { name: 'SQL metacharacters', id: "'; DROP TABLE people;--" },
  { name: 'SQL always-true', id: "' OR '1'='1" },
  { name: 'HTML/script', id: '<script>alert(1)</script>' },
  { name: 'RTL override', id: `\u202e${unknownUuid}` },
  { name: 'uppercase UUID', id: '0B0C9A4E-5F1D-4C2B-9A57-3F8E2D1C4B6A' },
  { name: 'UUID with a trailing newline', id: `${unknownUuid}\n` },
  { name: 'fullwidth-digit confusable UUID', id: unknownUuid.replace(/0/g, '\uff10') },
  { name: 'empty', id: '' },
];

/** Names that are data: stored verbatim, served as JSON, never rendered as HTML. */
export const verbatimNames: { name: string; value: string }[] = [
  { name: 'HTML/script', value: '<img src=x onerror=alert(1)><script>alert(document.cookie)</script>' },
  { name: 'SQL metacharacters', value: "Robert'); DROP TABLE people;--" },
  { name: 'RTL override', value: 'Ada \u202eecivol\u202c' },
  { name: 'confusable (Cyrillic а in Аda)', value: '\u0410da Lovelace' },
  { name: 'path traversal as a name', value: '../../victim' },
  { name: 'emoji and combining marks', value: 'Zoë 👩🏽‍💻 e\u0301' },
];

// ---------------------------------------------------------------------------------------------
// the sandbox: a data directory with sentinels beside and above it

export interface FileState { type: 'file' | 'dir' | 'link' | 'other'; size: number; mtimeMs: number }
export type Snapshot = Map<string, FileState>;

/** Every path under `root` (names, types, sizes, mtimes), skipping `exclude` (absolute paths). */
export function snapshotTree(root: string, exclude: string[] = []): Snapshot {
  const out: Snapshot = new Map();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      if (exclude.includes(abs)) continue;
      const st = lstatSync(abs);
      const type = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      out.set(path.relative(root, abs), { type, size: type === 'dir' ? 0 : st.size, mtimeMs: st.mtimeMs });
      if (type === 'dir') walk(abs);
    }
  };
  walk(root);
  return out;
}

/**
 * A temporary tree: <root>/site/data is the data directory; <root>/site/victim (with a file in
 * it) is the sentinel a person id `../../victim` would reach from crops/<id>; <root>/precious.txt
 * is what `../../..` would reach. `outside()` snapshots everything except the data directory.
 */
export class Sandbox {
  readonly root: string;
  readonly site: string;
  readonly dataDir: string;
  readonly victim: string;

  constructor(label: string) {
    this.root = mkdtempSync(path.join(tmpdir(), `fst-hostile-${label}-`));
    this.site = path.join(this.root, 'site');
    this.dataDir = path.join(this.site, 'data');
    this.victim = path.join(this.site, 'victim');
    mkdirSync(this.dataDir, { recursive: true });
    mkdirSync(this.victim);
    writeFileSync(path.join(this.victim, 'keep.txt'), 'the sentinel: nothing may touch this file\n');
    writeFileSync(path.join(this.root, 'precious.txt'), 'above the data directory\n');
    writeFileSync(path.join(this.site, 'sibling.txt'), 'beside the data directory\n');
  }

  /** Everything in the sandbox outside the data directory. */
  outside(): Snapshot { return snapshotTree(this.root, [this.dataDir]); }

  /** Paths under the data directory (relative to it). */
  inside(): string[] { return [...snapshotTree(this.dataDir).keys()]; }

  remove(): void { rmSync(this.root, { recursive: true, force: true }); }
}

/** The snapshot outside the data directory is unchanged (names, types, sizes, mtimes), and the sentinel is there. */
export function expectUntouched(before: Snapshot, after: Snapshot, label: string): void {
  expect(Object.fromEntries(after), `${label}: files outside the data directory changed`).toEqual(Object.fromEntries(before));
  expect(before.get(path.join('site', 'victim', 'keep.txt'))?.type, `${label}: the sentinel`).toBe('file');
}

/** People, samples, sightings and alert rules of a gallery: what a refused request must not change. */
export function galleryCounts(g: Pick<Gallery, 'people' | 'sightings' | 'alertRules'>): { people: number; samples: number; sightings: number; rules: number } {
  const { items } = g.people.listPeople();
  return {
    people: items.length,
    samples: items.reduce((n, p) => n + p.samples, 0),
    sightings: g.sightings.search({ limit: 1 }).total,
    rules: g.alertRules.list().length,
  };
}

// ---------------------------------------------------------------------------------------------
// a fake analyzer (as test/unit/api/server.test.ts): the bytes are decoded for real, so
// non-images, bombs and corrupt files fail exactly like with the real engine

const imageLimits: ImageConfig = { maxBytes: 50 * 1024 * 1024, maxPixels: 50_000_000, minSide: 16, photoMaxPixels: 4_000_000 };

/**
 * grey = no face, green-dominant = two faces, anything else = one face whose embedding points
 * along (red, blue); `modelId`/`dim` let it stand in for the real model on a gallery the CLI filled.
 */
export function fakeAnalyzer(modelId = 'fake-colour-4', dim = 4): FaceAnalyzer {
  const unit = (e: number[]) => {
    const v = new Float32Array(dim);
    e.forEach((x, i) => { v[i] = x; });
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  return {
    modelId, dim, threshold: 0.05,
    decode: (input: ImageInput) => decodeImage(input, imageLimits),
    async analyze(input: ImageInput): Promise<AnalyzeResult> {
      const img = await decodeImage(input, imageLimits);
      const [r, g, b] = [img.data[0]!, img.data[1]!, img.data[2]!];
      const face = (x: number, e: number[]) => ({
        box: { x, y: 0, width: 10, height: 10 }, score: 0.99, truncated: false,
        landmarks: { leftEye: [0, 0], rightEye: [0, 0], nose: [0, 0], mouthLeft: [0, 0], mouthRight: [0, 0] },
        landmarks68: [], quality: { size: 60, sharpness: 100, yaw: 0, passed: true, reasons: [] },
        embedding: unit(e),
      }) as unknown as AnalyzeResult['faces'][number];
      const faces = r === g && g === b ? [] : g > 200 ? [face(0, [1, 0, 0, 0]), face(20, [0, 1, 0, 0])] : [face(0, [r, b, 1, 0])];
      return { width: img.width, height: img.height, faces, modelId, timings: { decode: 0, detect: 0, landmarks: 0, align: 0, embed: 0, total: 0 } };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// images and files

const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (b: Buffer) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const pngChunk = (type: string, data: Buffer) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const pngOf = (width: number, height: number, pixels: Buffer) => {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(pixels)), pngChunk('IEND', Buffer.alloc(0))]);
};

/** A solid-colour RGB PNG, encoded synchronously (so case tables can hold images). */
export function solidPng(r: number, g: number, b: number, size = 32): Buffer {
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x++) row.set([r, g, b], 1 + x * 3);
  return pngOf(size, size, Buffer.concat(Array.from({ length: size }, () => row)));
}

/** A valid PNG header that declares width x height, with a tiny (bogus) pixel stream (the bomb of test/integration/cli.test.ts). */
export const pngDeclaring = (width: number, height: number): Buffer => pngOf(width, height, Buffer.alloc(1000));

/** A small real JPEG (for gallery-file thumbnails). */
export const jpeg = (r: number, g: number, b: number, size = 32): Promise<Buffer> =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();

/** base64 of a little-endian float32 unit vector along axis `axis`. */
export function unitEmbedding(dim: number, axis = 0): string {
  const v = new Float32Array(dim);
  v[axis % dim] = 1;
  return Buffer.from(v.buffer).toString('base64');
}

export interface GalleryPersonSpec { id: string; name?: string; samples?: number; axis?: number; metadata?: Record<string, unknown> }

/** A portable gallery file (as `facestream gallery export` writes it) with a real JPEG thumbnail per sample. */
export function galleryFile(people: GalleryPersonSpec[], thumbnail: Buffer, model: { modelId: string; dim: number }) {
  let n = 0;
  return {
    format: 'facestream-gallery', version: 1, modelId: model.modelId, dim: model.dim, exportedAt: new Date().toISOString(),
    people: people.map((p) => ({
      id: p.id, name: p.name ?? 'Imported', metadata: p.metadata ?? {},
      samples: Array.from({ length: p.samples ?? 1 }, () => {
        n++;
        return { embedding: unitEmbedding(model.dim, p.axis ?? n), imageSha256: `sha-${n}`, quality: { passed: true }, thumbnail: thumbnail.toString('base64'), createdAt: new Date().toISOString() };
      }),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// requests

export interface Part { field: string; filename?: string; type?: string; data: Buffer | string }
/** A multipart/form-data body (for fastify inject). */
export function multipart(parts: Part[], boundary = '----facestream-hostile-boundary'): { payload: Buffer; headers: Record<string, string> } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = p.filename !== undefined ? `form-data; name="${p.field}"; filename="${p.filename}"` : `form-data; name="${p.field}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** JSON nested `depth` levels deep (arrays), as text: JSON.stringify would overflow the stack first. */
export const deepJson = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

// ---------------------------------------------------------------------------------------------
// the CLI, spawned from source like test/integration/gallery-cli.test.ts (no build step)

const run = promisify(execFile);
const entry = ['--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(repoRoot, 'src/cli/main.ts'))}); await m.main(['node', 'facestream', ...process.argv.slice(1)]);`, '--'];

export interface CliResult { code: number; stdout: string; stderr: string }

/** Run `facestream ...args` in a child process with only FACESTREAM_TEST_DATA of the FACESTREAM_* environment (plus `env`). */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('FACESTREAM_') && k !== 'FACESTREAM_TEST_DATA') delete e[k];
  Object.assign(e, env);
  try {
    const { stdout, stderr } = await run(process.execPath, [...entry, ...args], { cwd: repoRoot, env: e, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const x = err as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** Run async jobs with at most `n` at once (two cores: spawning is CPU-bound). */
export async function pool<T, R>(items: T[], n: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await job(items[i]!); }
  }));
  return out;
}
