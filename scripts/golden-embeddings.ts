/**
 * Regenerate test/fixtures/golden-embeddings.json: the default engine's embeddings of three
 * fixed photos. Run only when a model or alignment change is intended (and say so in the
 * commit); the golden test then guards against unintended changes.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { openFacePipeline } from '../src/roles/face-pipeline.factory.js';

export const goldenPhotos = ['people/gallery/obama/obama.jpg', 'people/gallery/biden/biden.jpg', 'people/gallery/kit_harington/john1.jpeg'];

const dataDir = resolve(process.env.FACESTREAM_TEST_DATA ?? resolve(import.meta.dirname, '../../shared/data'));
const engine = await openFacePipeline(loadConfig({ env: {} }));
const entries = [];
for (const photo of goldenPhotos) {
  const face = await engine.primaryFace(resolve(dataDir, photo), photo);
  entries.push({ photo, box: face.box, embedding: Array.from(face.embedding!, (x) => Math.round(x * 1e7) / 1e7) });
}
writeFileSync(resolve(import.meta.dirname, '../test/fixtures/golden-embeddings.json'), JSON.stringify({ modelId: engine.modelId, backend: engine.backend.name, entries }, null, 1) + '\n');
engine.close();
console.log(`wrote ${entries.length} golden embeddings (${engine.modelId})`);
