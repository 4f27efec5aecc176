import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors/index.js';
import { dataPath, repoRoot } from '../helpers/data.js';

const run = promisify(execFile);
const bin = join(repoRoot, 'bin/facestream.js');
let dir: string;

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, FACESTREAM_CONFIG: '' }, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A valid PNG header that declares width x height, with a tiny (bogus) pixel stream. */
function pngDeclaring(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (b: Buffer) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1000))), chunk('IEND', Buffer.alloc(0))]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'facestream-cli-'));
  writeFileSync(join(dir, 'empty.jpg'), Buffer.alloc(0));
  const jpeg = readFileSync(dataPath('people/gallery/obama/obama.jpg'));
  writeFileSync(join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  writeFileSync(join(dir, 'text.jpg'), 'this is not an image\n');
  writeFileSync(join(dir, 'one.png'), await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer());
  writeFileSync(join(dir, 'bomb.png'), pngDeclaring(30000, 30000));
  writeFileSync(join(dir, 'noface.png'), await sharp({ create: { width: 320, height: 240, channels: 3, background: '#3060a0' } }).png().toBuffer());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad input: one clear line, a distinct exit code, no stack trace', () => {
  const cases: [string, string, keyof typeof errorCodes, RegExp][] = [
    ['zero-byte file', 'empty.jpg', 'E_EMPTY_FILE', /empty \(0 bytes\)/],
    ['truncated JPEG', 'truncated.jpg', 'E_CORRUPT_IMAGE', /corrupt or truncated/],
    ['text file named .jpg', 'text.jpg', 'E_NOT_AN_IMAGE', /not a recognised image/],
    ['1x1 image', 'one.png', 'E_IMAGE_TOO_SMALL', /too small/],
    ['decompression bomb (PNG declaring 30000x30000)', 'bomb.png', 'E_IMAGE_TOO_LARGE', /refused before decoding/],
    ['a directory', '.', 'E_NOT_A_FILE', /is a directory/],
    ['a missing file', 'missing.jpg', 'E_FILE_NOT_FOUND', /no such file/],
  ];
  it.each(cases)('%s', async (_name, file, code, message) => {
    const r = await cli('embed', join(dir, file));
    expect(r.code).toBe(errorCodes[code]);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('all those exit codes are distinct', () => {
    const codes = cases.map(([, , c]) => errorCodes[c]);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('an image with no face: detect reports none, verify fails with E_NO_FACE and exit 2', async () => {
    const d = await cli('detect', join(dir, 'noface.png'));
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout).faces).toEqual([]);
    const v = await cli('verify', join(dir, 'noface.png'), dataPath('people/gallery/obama/obama.jpg'));
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/E_NO_FACE: .*noface\.png: no face found/);
  });

  it('invalid configuration is a one-line E_CONFIG error', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'detector:\n  scoreThreshold: 7\n');
    const r = await cli('--config', join(dir, 'bad.yaml'), 'detect', dataPath('people/probes/obama1.jpg'));
    expect(r.code).toBe(errorCodes.E_CONFIG);
    expect(r.stderr).toMatch(/detector\.scoreThreshold/);
  });
});

describe('detect / embed / verify', () => {
  it('detect writes JSON and an annotated image', async () => {
    const out = join(dir, 'annotated.png');
    const r = await cli('detect', dataPath('people/probes/two_people.jpg'), '--out', out);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.faces).toHaveLength(2);
    expect(Object.keys(json.faces[0].landmarks)).toEqual(['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight']);
    expect(json.faces[0].quality).toHaveProperty('sharpness');
    expect(existsSync(out)).toBe(true);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([json.width, json.height]);
  });

  it('embed prints unit-length 128-d vectors', async () => {
    const r = await cli('embed', dataPath('people/probes/obama1.jpg'));
    const json = JSON.parse(r.stdout);
    expect(json.dim).toBe(128);
    const v: number[] = json.faces[0].embedding;
    expect(v).toHaveLength(128);
    expect(Math.hypot(...v)).toBeCloseTo(1, 3);
  });

  it('verify: 0 = same, 1 = different, with distance and threshold', async () => {
    const same = await cli('verify', dataPath('people/gallery/biden/biden.jpg'), dataPath('people/gallery/biden/biden2.jpg'));
    expect(same.code).toBe(0);
    const s = JSON.parse(same.stdout);
    expect(s.same).toBe(true);
    expect(s.distance).toBeLessThanOrEqual(s.threshold);
    const diff = await cli('verify', dataPath('people/gallery/biden/biden.jpg'), dataPath('people/gallery/obama/obama.jpg'));
    expect(diff.code).toBe(1);
    expect(JSON.parse(diff.stdout).same).toBe(false);
  });
});
