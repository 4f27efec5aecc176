/**
 * Child-process helper for tests that need an engine with a process-global setting (the wasm
 * thread count): `tsx test/helpers/analyse-json.ts THREADS IMAGE...` analyses each image with the
 * default models and prints one JSON line: the pool's thread count and, per image, every face's
 * box, score and embedding. It ends on its own (a test checks that nothing keeps it alive).
 */
import { readFileSync } from 'node:fs';
import { testConfig } from './engine.js';
import { openFacePipeline } from '../../src/roles/face-pipeline.factory.js';

const [threads, ...images] = process.argv.slice(2);
const engine = await openFacePipeline(testConfig({ engine: { backend: 'wasm', wasmThreads: Number(threads) } }));
const results = [];
for (const file of images) {
  const r = await engine.analyze(readFileSync(file));
  results.push(r.faces.map((f) => ({ box: f.box, score: f.score, embedding: f.embedding ? Array.from(f.embedding) : null })));
}
process.stdout.write(JSON.stringify({ threads: engine.description.threads, results }) + '\n');
engine.close();
