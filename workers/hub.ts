// Entry point of the hub role: `tsx workers/hub.ts` (same as `facestream worker hub`).
// Configuration from $FACESTREAM_CONFIG and FACESTREAM_* variables.
import { runRolesMain } from '../src/roles/index.js';

await runRolesMain(['hub']);
