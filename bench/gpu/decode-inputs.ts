// Decode the GPU check's real photos to raw RGB (longer side at most 720 px) plus a manifest.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

const dataDir = resolve(process.env.FACESTREAM_TEST_DATA ?? '../shared/data');
const outDir = process.argv[2]!;
const photos = ['people/gallery/obama/obama.jpg', 'people/gallery/biden/biden.jpg', 'people/gallery/kit_harington/john1.jpeg',
  'people/gallery/rose_leslie/img1.jpg', 'people/gallery/alex_lacamoire/img1.jpg', 'people/probes/two_people.jpg',
  'people/probes/obama_and_biden.jpg', 'people/scenes/bbt4.jpg', 'people/scenes/multiface.jpg', 'people/scenes/bbt1.jpg'];
const manifest = [];
for (const p of photos) {
  const { data, info } = await sharp(join(dataDir, p)).rotate().resize(720, 720, { fit: 'inside', withoutEnlargement: true })
    .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const file = p.replace(/[/.]/g, '_') + '.rgb';
  writeFileSync(join(outDir, file), data);
  manifest.push({ name: p, width: info.width, height: info.height, file });
}
writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1));
console.log(`decoded ${manifest.length} photos`);
