import type { Chip } from './align/chip.aligner.js';
import type { RgbImage } from './decode/image.decoder.js';

/** Side of the appearance signature: 16 x 16 grey cells of the aligned chip. */
export const appearanceSize = 16;

/**
 * A cheap appearance signature of one face, computed for every detected face (embedded or
 * not): the aligned chip's central region averaged to 16 x 16 grey cells, zero-mean and
 * unit-length. Two faces of one person in consecutive frames correlate highly; another person
 * (or a different head pose after a cut) does not. The tracker uses it to refuse carrying a
 * name to a face its own embedding did not verify.
 */
export function appearanceSignature(chip: Chip, size = appearanceSize): Float32Array {
  const n = chip.size;
  // the central 70 %: the face, not the background or hair at the chip's edges
  const from = Math.floor(n * 0.15), span = Math.max(size, n - 2 * from);
  const out = new Float32Array(size * size);
  const counts = new Float32Array(size * size);
  for (let y = 0; y < span; y++) {
    const cy = Math.min(size - 1, Math.floor((y * size) / span));
    const row = (from + y) * n;
    for (let x = 0; x < span; x++) {
      const cx = Math.min(size - 1, Math.floor((x * size) / span));
      const i = (row + from + x) * 3;
      out[cy * size + cx]! += 0.299 * chip.data[i]! + 0.587 * chip.data[i + 1]! + 0.114 * chip.data[i + 2]!;
      counts[cy * size + cx]! += 1;
    }
  }
  let mean = 0;
  for (let i = 0; i < out.length; i++) { out[i] = out[i]! / Math.max(1, counts[i]!); mean += out[i]!; }
  mean /= out.length;
  let norm = 0;
  for (let i = 0; i < out.length; i++) { out[i] = out[i]! - mean; norm += out[i]! * out[i]!; }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}


/** Bins of the scene signature (grey histogram of the whole frame). */
export const sceneBins = 32;

/**
 * A frame-level signature for scene-cut detection: the grey histogram (32 bins, sums to 1) of
 * the frame sampled on a coarse grid (about 64 x 36 samples, so its cost does not grow with the
 * resolution). A cut, a PTZ jump or a resumed frozen stream moves it far; people walking do not.
 */
export function sceneSignature(image: RgbImage, bins = sceneBins): number[] {
  const { width, height, data } = image;
  const stepX = Math.max(1, Math.floor(width / 64)), stepY = Math.max(1, Math.floor(height / 36));
  const hist = new Array<number>(bins).fill(0);
  let total = 0;
  for (let y = Math.floor(stepY / 2); y < height; y += stepY) {
    for (let x = Math.floor(stepX / 2); x < width; x += stepX) {
      const i = (y * width + x) * 3;
      const grey = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      hist[Math.min(bins - 1, Math.floor((grey * bins) / 256))]!++;
      total++;
    }
  }
  return hist.map((h) => Math.round((h / Math.max(1, total)) * 1e4) / 1e4);
}
