import sharp from 'sharp';
import type { AnalyzedFace } from '../../vision/face.pipeline.js';
import type { RgbImage } from '../decode/image.decoder.js';

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Draw boxes, landmarks and optional labels onto the image; encoded as PNG or JPEG by the file name. */
export async function annotate(image: RgbImage, faces: readonly (Pick<AnalyzedFace, 'box' | 'landmarks' | 'quality'> & { label?: string })[], fileName = 'out.png'): Promise<Buffer> {
  const stroke = Math.max(2, Math.round(Math.max(image.width, image.height) / 400));
  const parts = faces.map((f) => {
    const colour = f.quality.passed ? '#22c55e' : '#f59e0b';
    const dots = Object.values(f.landmarks).map(([x, y]) => `<circle cx="${x}" cy="${y}" r="${stroke + 1}" fill="#ef4444"/>`).join('');
    const label = f.label ? `<text x="${f.box.x}" y="${Math.max(12, f.box.y - 4)}" font-size="${6 * stroke + 6}" font-family="sans-serif" fill="${colour}">${escapeXml(f.label)}</text>` : '';
    return `<rect x="${f.box.x}" y="${f.box.y}" width="${f.box.width}" height="${f.box.height}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>${dots}${label}`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${image.height}">${parts.join('')}</svg>`;
  const img = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  return /\.jpe?g$/i.test(fileName) ? img.jpeg({ quality: 90 }).toBuffer() : img.png().toBuffer();
}
