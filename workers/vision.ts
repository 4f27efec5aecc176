// Entry point of the vision role: `tsx workers/vision.ts` (same as `facestream worker vision`).
// Configuration from $FACESTREAM_CONFIG and FACESTREAM_* variables.
import { runRolesMain } from '../src/roles/index.js';

await runRolesMain(['vision']);
