import type { RgbImage } from '../decode/image.decoder.js';
import { fitSimilarity, similarityScale, type Point, type Similarity } from './similarity.js';

/** An aligned face chip: RGB float 0-255, `size` x `size`, row-major. */
export interface Chip {
  data: Float32Array;
  size: number;
  /** chip -> original image transform. */
  transform: Similarity;
  /**
   * The image the chip was cut from (a reference, not a copy): an embedder that needs a second,
   * differently framed chip of the same face (the fused embedder) cuts it from here.
   */
  source?: RgbImage;
  /** The chip is mirrored left-right (flip test-time augmentation). */
  mirrored?: boolean;
}

/**
 * Warp a chip out of the ORIGINAL image so that `imagePoints` land on `chipPoints`.
 * Bilinear sampling like dlib's extract_image_chip; when the face is much larger than the
 * chip, each chip pixel averages a k x k grid of samples so downscaling does not alias
 * (dlib uses an image pyramid for the same purpose). Outside the image is black.
 */
export function extractChip(image: RgbImage, imagePoints: readonly Point[], chipPoints: readonly Point[], size: number): Chip {
  return extractChipWith(image, fitSimilarity(chipPoints, imagePoints), size);
}

/** A `size` x `size` chip whose pixel (x, y) samples the image at t(x, y) (see extractChip). */
export function extractChipWith(image: RgbImage, t: Similarity, size: number): Chip {
  const k = Math.max(1, Math.min(4, Math.floor(similarityScale(t))));
  const out = new Float32Array(size * size * 3);
  const { data, width, height } = image;
  const inv = 1 / (k * k);
  const sample = (x: number, y: number, acc: Float64Array) => {
    const x0 = Math.floor(x), y0 = Math.floor(y);
    const fx = x - x0, fy = y - y0;
    for (let dy = 0; dy < 2; dy++) {
      const yy = y0 + dy;
      if (yy < 0 || yy >= height) continue;
      const wy = dy ? fy : 1 - fy;
      for (let dx = 0; dx < 2; dx++) {
        const xx = x0 + dx;
        if (xx < 0 || xx >= width) continue;
        const w = wy * (dx ? fx : 1 - fx);
        const o = (yy * width + xx) * 3;
        acc[0]! += w * data[o]!; acc[1]! += w * data[o + 1]!; acc[2]! += w * data[o + 2]!;
      }
    }
  };
  const acc = new Float64Array(3);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      acc[0] = 0; acc[1] = 0; acc[2] = 0;
      for (let sy = 0; sy < k; sy++) {
        const yc = r + (sy + 0.5) / k - 0.5;
        for (let sx = 0; sx < k; sx++) {
          const xc = c + (sx + 0.5) / k - 0.5;
          sample(t.a * xc - t.b * yc + t.tx, t.b * xc + t.a * yc + t.ty, acc);
        }
      }
      const o = (r * size + c) * 3;
      out[o] = acc[0]! * inv; out[o + 1] = acc[1]! * inv; out[o + 2] = acc[2]! * inv;
    }
  }
  return { data: out, size, transform: t, source: image };
}

/** Mirror a chip left-right (for flip test-time augmentation). */
export function flipChip(chip: Chip): Chip {
  const { size, data } = chip;
  const out = new Float32Array(data.length);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const s = (r * size + c) * 3, d = (r * size + (size - 1 - c)) * 3;
      out[d] = data[s]!; out[d + 1] = data[s + 1]!; out[d + 2] = data[s + 2]!;
    }
  }
  return { ...chip, data: out, mirrored: !chip.mirrored };
}
