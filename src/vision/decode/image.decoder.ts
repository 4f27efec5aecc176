import { stat, readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { FaceStreamError } from '../../errors/index.js';
import type { ImageConfig } from '../../config/schema.js';

/** A decoded image: tightly packed 8-bit RGB, EXIF orientation applied. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** The stored image's size (after EXIF orientation), when it was downscaled while decoding (decode's maxPixels). */
  original?: { width: number; height: number };
}

// sharp: no operation cache (a hub decodes each upload once; the cache only keeps memory) and a
// bounded thread pool per image, so parallel uploads cannot multiply decode memory by the cores.
sharp.cache(false);
sharp.concurrency(Math.min(4, sharp.concurrency()));

export type ImageInput = string | Buffer | RgbImage;

const supportedFormats = new Set(['jpeg', 'png', 'webp']);

export const isRgbImage = (x: unknown): x is RgbImage =>
  typeof x === 'object' && x !== null && !Buffer.isBuffer(x) && 'data' in x && 'width' in x && 'height' in x;

/** Read a file, refusing what is not a regular, non-empty file of acceptable size. */
export async function readImageFile(path: string, limits: Pick<ImageConfig, 'maxBytes'>): Promise<Buffer> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FaceStreamError('E_FILE_NOT_FOUND', `${path}: no such file`);
    throw new FaceStreamError('E_FILE_NOT_FOUND', `${path}: cannot access (${code ?? (e as Error).message})`);
  }
  if (!info.isFile()) throw new FaceStreamError('E_NOT_A_FILE', `${path}: is a ${info.isDirectory() ? 'directory' : 'special file'}, not an image file`);
  if (info.size === 0) throw new FaceStreamError('E_EMPTY_FILE', `${path}: file is empty (0 bytes)`);
  if (info.size > limits.maxBytes) throw new FaceStreamError('E_FILE_TOO_LARGE', `${path}: file is ${info.size} bytes, above the limit of ${limits.maxBytes} (image.maxBytes)`);
  return readFile(path);
}

/**
 * Decode JPEG/PNG/WebP bytes to RGB. The header is checked against the pixel limit before
 * any pixel is decoded (decompression bombs), and truncated or corrupt data is refused.
 */
export async function decodeImageBuffer(buf: Buffer, limits: ImageConfig, label = 'image', maxPixels?: number): Promise<RgbImage> {
  if (buf.length === 0) throw new FaceStreamError('E_EMPTY_FILE', `${label}: no data (0 bytes)`);
  if (buf.length > limits.maxBytes) throw new FaceStreamError('E_FILE_TOO_LARGE', `${label}: ${buf.length} bytes, above the limit of ${limits.maxBytes} (image.maxBytes)`);
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch {
    throw new FaceStreamError('E_NOT_AN_IMAGE', `${label}: not a recognised image (JPEG, PNG or WebP expected)`);
  }
  if (!meta.format || !supportedFormats.has(meta.format)) {
    throw new FaceStreamError('E_NOT_AN_IMAGE', `${label}: unsupported image format '${meta.format ?? 'unknown'}' (JPEG, PNG or WebP expected)`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > limits.maxPixels) {
    throw new FaceStreamError('E_IMAGE_TOO_LARGE', `${label}: ${width}x${height} = ${width * height} pixels, above the limit of ${limits.maxPixels} (image.maxPixels); refused before decoding`);
  }
  if (Math.min(width, height) < limits.minSide) {
    throw new FaceStreamError('E_IMAGE_TOO_SMALL', `${label}: ${width}x${height} is too small to hold a face (image.minSide = ${limits.minSide})`);
  }
  // Photos (not live frames) are decoded at most `maxPixels` (image.photoMaxPixels): shrink-on-load
  // and a streaming resize, so a 49-megapixel PNG never exists in memory as RGB, nor as a tensor.
  const pixels = width * height;
  const factor = maxPixels !== undefined && pixels > maxPixels ? Math.sqrt(maxPixels / pixels) : 1;
  const swapped = (meta.orientation ?? 1) >= 5;
  const [ow, oh] = swapped ? [height, width] : [width, height];
  try {
    let pipeline = sharp(buf, { limitInputPixels: limits.maxPixels, failOn: 'truncated' }).rotate();
    if (factor < 1) pipeline = pipeline.resize({ width: Math.max(1, Math.floor(ow * factor)), height: Math.max(1, Math.floor(oh * factor)), fit: 'fill' });
    const { data, info } = await pipeline
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after conversion`);
    const out: RgbImage = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
    return factor < 1 ? { ...out, original: { width: ow, height: oh } } : out;
  } catch (e) {
    throw new FaceStreamError('E_CORRUPT_IMAGE', `${label}: corrupt or truncated ${meta.format} data (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Decode a path, bytes or RGB; `maxPixels`: downscale larger images while decoding (photos). */
export async function decodeImage(input: ImageInput, limits: ImageConfig, maxPixels?: number): Promise<RgbImage> {
  if (isRgbImage(input)) return input;
  if (typeof input === 'string') return decodeImageBuffer(await readImageFile(input, limits), limits, input, maxPixels);
  return decodeImageBuffer(input, limits, undefined, maxPixels);
}
