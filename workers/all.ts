// Entry point of every role in one process: `tsx workers/all.ts` (same as `facestream run`).
import { main } from '../src/cli/main.js';

await main([process.argv[0]!, 'facestream', 'run', ...process.argv.slice(2)]);
