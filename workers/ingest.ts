// Entry point of the ingest role: `tsx workers/ingest.ts` (same as `facestream worker ingest`).
// Configuration from $FACESTREAM_CONFIG and FACESTREAM_* variables.
import { runRolesMain } from '../src/roles/index.js';

await runRolesMain(['ingest']);
