// Entry point of the hub role: `tsx workers/hub.ts` (same as `facestream worker hub`).
import { main } from '../src/cli/main.js';

await main([process.argv[0]!, 'facestream', 'worker', 'hub', ...process.argv.slice(2)]);
