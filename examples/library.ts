/**
 * facestream as a library: load the configuration, open the face pipeline, analyse a photo and
 * compare two, then enroll a person in a gallery and identify people in other photos.
 * From the repository, after `npm run build`: `npx tsx examples/library.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, openFacePipeline, openGallery } from 'facestream';

const photo = (name: string) => path.join(import.meta.dirname, 'gallery', name);

const config = loadConfig(); // defaults < $FACESTREAM_CONFIG < FACESTREAM_* environment
const engine = await openFacePipeline(config);

const { faces } = await engine.analyze(photo('obama/obama.jpg')); // path, encoded bytes or RGB
console.log(`faces: ${faces.length}, embedding: ${faces[0]?.embedding?.length} numbers`);
const { distance, same } = await engine.verify(photo('obama/obama.jpg'), photo('obama/obama2.jpg'));
console.log(`same person: ${same} (distance ${distance.toFixed(3)})`);

// a gallery: the people (SQLite) and their samples' index (HNSW) in a data directory
const dataDir = mkdtempSync(path.join(tmpdir(), 'facestream-example-'));
const gallery = openGallery({ dataDir, engine, settings: config.gallery });
const obama = gallery.people.createPerson('Barack Obama');
const enrolled = await gallery.enrollment.enrollPhoto(obama.id, photo('obama/obama.jpg'));
console.log(`enrolled: ${enrolled.status}`);
for (const file of ['obama/obama2.jpg', 'biden/biden.jpg']) {
  const { faces } = await gallery.matcher.identifyImage(photo(file));
  console.log(`${file}: ${faces.map((f) => f.match?.name ?? 'unknown').join(', ')}`);
}

gallery.close();
engine.close();
rmSync(dataDir, { recursive: true, force: true });
