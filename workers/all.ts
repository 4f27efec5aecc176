// Entry point of every role in one process: `tsx workers/all.ts` (same as `facestream run`).
// Configuration from $FACESTREAM_CONFIG and FACESTREAM_* variables.
import { runRolesMain } from '../src/roles/index.js';

await runRolesMain(['hub', 'vision', 'ingest']);
