import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { RgbImage } from '../../src/vision/decode/image.decoder.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';

const run = promisify(execFile);

/** Decode any image file to tightly packed RGB (what sceneSignature and the engine read). */
export async function rgbOf(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** One video frame at `seconds` as RGB (ffmpeg seeks, sharp decodes the PNG). */
export async function videoFrame(clip: string, seconds: number): Promise<RgbImage> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', String(seconds), '-i', clip, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', '-'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  return rgbOf(stdout);
}

export interface ComposedFace {
  /** The canvas PNG with the face square pasted on it. */
  png: string;
  /** The face square's position on the canvas. */
  at: { x: number; y: number; side: number };
}

export interface SceneCutClip {
  clip: string;
  /** One frame of each shot (A first), as composed before video encoding. */
  shots: [ComposedFace, ComposedFace];
  /** Seconds each shot lasts. */
  secondsPerShot: number;
}

/**
 * The largest face of `photo` (found by the engine), cropped as a square of `margin` x the box's
 * longer side around its centre (clamped to the photo), resized to `side` and pasted at the
 * canvas centre on a uniform grey canvas.
 */
async function composeFace(engine: FacePipeline, photo: string, out: string, canvas: { width: number; height: number; side: number; margin: number }): Promise<ComposedFace> {
  const image = await engine.decode(photo);
  const { faces } = await engine.analyze(image, { embed: false });
  const face = faces.reduce<(typeof faces)[number] | undefined>((best, f) => (!best || f.box.width * f.box.height > best.box.width * best.box.height ? f : best), undefined);
  if (!face) throw new Error(`${photo}: no face found`);
  const cx = face.box.x + face.box.width / 2, cy = face.box.y + face.box.height / 2;
  const sq = Math.min(Math.round(Math.max(face.box.width, face.box.height) * canvas.margin), image.width, image.height);
  const left = Math.round(Math.min(Math.max(0, cx - sq / 2), image.width - sq));
  const top = Math.round(Math.min(Math.max(0, cy - sq / 2), image.height - sq));
  const square = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width: sq, height: sq }).resize(canvas.side, canvas.side).png().toBuffer();
  const at = { x: Math.round((canvas.width - canvas.side) / 2), y: Math.round((canvas.height - canvas.side) / 2), side: canvas.side };
  await sharp({ create: { width: canvas.width, height: canvas.height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite([{ input: square, left: at.x, top: at.y }]).png().toFile(out);
  return { png: out, at };
}

/**
 * A clip with a hard cut between two people at the SAME place: person A's face for
 * `secondsPerShot`, then person B's face, same size and position on the same grey canvas
 * (the case where a tracker that joins on box overlap alone carries A's name onto B).
 */
export async function buildSceneCutClip(engine: FacePipeline, photos: [string, string], dir: string, options: { secondsPerShot?: number; width?: number; height?: number; side?: number; margin?: number } = {}): Promise<SceneCutClip> {
  const secondsPerShot = options.secondsPerShot ?? 4;
  const canvas = { width: options.width ?? 480, height: options.height ?? 360, side: options.side ?? 320, margin: options.margin ?? 1.6 };
  const a = await composeFace(engine, photos[0], join(dir, 'a.png'), canvas);
  const b = await composeFace(engine, photos[1], join(dir, 'b.png'), canvas);
  const clip = join(dir, 'scene-cut.mp4');
  await run('ffmpeg', [
    '-v', 'error', '-y',
    '-loop', '1', '-t', String(secondsPerShot), '-framerate', '10', '-i', a.png,
    '-loop', '1', '-t', String(secondsPerShot), '-framerate', '10', '-i', b.png,
    '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]', '-map', '[v]',
    '-r', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', clip,
  ]);
  return { clip, shots: [a, b], secondsPerShot };
}
