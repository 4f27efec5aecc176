// Entry point of the vision role: `tsx workers/vision.ts` (same as `facestream worker vision`).
import { main } from '../src/cli/main.js';

await main([process.argv[0]!, 'facestream', 'worker', 'vision', ...process.argv.slice(2)]);
