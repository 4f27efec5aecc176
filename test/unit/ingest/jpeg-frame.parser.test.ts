import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { JpegFrameParser } from '../../../src/ingest/jpeg-frame.parser.js';
import { maskUrl, sourceKind } from '../../../src/common/mask-url.js';
import { backoffDelay } from '../../../src/common/backoff.js';
import { ffmpegArgs } from '../../../src/ingest/ffmpeg.reader.js';

const jpeg = (w: number, h: number, v: number) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: v, g: 255 - v, b: (v * 7) % 255 } } }).jpeg().toBuffer();

/** A fake JPEG with a segment payload holding FF D9 (like an EXIF thumbnail) and stuffed bytes in the scan. */
const tricky = Buffer.from([
  0xff, 0xd8,
  0xff, 0xe1, 0x00, 0x08, 0xff, 0xd8, 0xff, 0xd9, 0x00, 0x00, // APP1 with an embedded SOI/EOI
  0xff, 0xda, 0x00, 0x04, 0x01, 0x02, // SOS header
  0x11, 0xff, 0x00, 0x22, 0xff, 0xd3, 0x33, 0xff, 0xff, 0xd9, // scan: stuffed FF00, RST3, fill + EOI
]);

describe('JpegFrameParser', () => {
  it('splits concatenated real JPEGs fed in every chunk size, markers split across chunks', async () => {
    const frames = [await jpeg(64, 48, 10), await jpeg(32, 32, 200), await jpeg(80, 20, 90)];
    const stream = Buffer.concat(frames);
    for (const size of [1, 2, 3, 7, 100, 4096, stream.length]) {
      const p = new JpegFrameParser();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...p.push(stream.subarray(i, i + size)));
      expect(out.map((b) => b.length), `chunk ${size}`).toEqual(frames.map((f) => f.length));
      out.forEach((b, i) => expect(b.equals(frames[i]!)).toBe(true));
      expect(p.pendingBytes).toBe(0);
    }
  });

  it('does not end a frame at FF D9 inside a segment payload, handles stuffing, restarts and fill bytes', () => {
    const p = new JpegFrameParser();
    const out = [...p.push(tricky.subarray(0, 9)), ...p.push(tricky.subarray(9))];
    expect(out).toHaveLength(1);
    expect(out[0]!.equals(tricky)).toBe(true);
  });

  it('skips garbage between frames and resynchronises after a truncated frame', async () => {
    const a = await jpeg(16, 16, 1), b = await jpeg(24, 16, 2);
    const truncated = a.subarray(0, 40);
    const p = new JpegFrameParser();
    const out = p.push(Buffer.concat([Buffer.from('garbage'), truncated, Buffer.from([0x00, 0x12]), b]));
    expect(out.map((x) => x.length)).toEqual([b.length]);
    expect(p.discardedBytes).toBeGreaterThan(0);
  });

  it('holds an incomplete frame and drops oversize ones', async () => {
    const a = await jpeg(16, 16, 1);
    const p = new JpegFrameParser({ maxFrameBytes: 64 });
    expect(p.push(a.subarray(0, 50))).toEqual([]);
    expect(p.pendingBytes).toBe(50);
    expect(p.push(a.subarray(50))).toEqual([]); // larger than 64 bytes: dropped
  });

  it('parses real ffmpeg image2pipe output', () => {
    const out = execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-frames:v', '5', '-c:v', 'mjpeg', '-f', 'image2pipe', '-']);
    const p = new JpegFrameParser();
    const frames: Buffer[] = [];
    for (let i = 0; i < out.length; i += 1000) frames.push(...p.push(out.subarray(i, i + 1000)));
    expect(frames).toHaveLength(5);
    expect(frames.reduce((n, f) => n + f.length, 0)).toBe(out.length);
  });
});

describe('maskUrl', () => {
  it('hides credentials, also inside longer text', () => {
    expect(maskUrl('rtsp://admin:s3cr3t@10.0.0.5:554/live')).toBe('rtsp://***:***@10.0.0.5:554/live');
    expect(maskUrl('http://token@cam/mjpeg')).toBe('http://***@cam/mjpeg');
    expect(maskUrl('rtsp://u:p@a/x: Connection refused')).not.toContain('p@');
    expect(maskUrl('/videos/a.mp4')).toBe('/videos/a.mp4');
  });
  it('classifies sources and builds ffmpeg arguments', () => {
    expect(sourceKind('RTSP://x')).toBe('rtsp');
    expect(sourceKind('https://x')).toBe('http');
    expect(sourceKind('clip.mp4')).toBe('file');
    const cam = { id: 'c', url: 'rtsp://x/y', sampleFps: 2, enabled: true, transport: 'tcp' as const };
    const a = ffmpegArgs(cam, { jpegQuality: 5, maxWidth: 640 });
    expect(a.input.join(' ')).toContain('-rtsp_transport tcp');
    expect(a.output.join(' ')).toContain("fps=2,scale='min(640,iw)':-2");
    expect(ffmpegArgs({ ...cam, url: 'a.mp4' }, { jpegQuality: 5, maxWidth: 0 }).input.join(' ')).toContain('-stream_loop -1 -re');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter and never exceeds the cap', () => {
    expect(backoffDelay(1, 500, 10_000, () => 1)).toBe(500);
    expect(backoffDelay(1, 500, 10_000, () => 0)).toBe(250);
    expect(backoffDelay(3, 500, 10_000, () => 1)).toBe(2000);
    for (let n = 1; n < 50; n++) expect(backoffDelay(n, 500, 10_000)).toBeLessThanOrEqual(10_000);
  });
});
