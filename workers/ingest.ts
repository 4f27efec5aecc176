// Entry point of the ingest role: `tsx workers/ingest.ts` (same as `facestream worker ingest`).
import { main } from '../src/cli/main.js';

await main([process.argv[0]!, 'facestream', 'worker', 'ingest', ...process.argv.slice(2)]);
