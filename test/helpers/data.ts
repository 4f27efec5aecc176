import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from anywhere). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The real face data: FACESTREAM_TEST_DATA, default ../shared/data next to the repository. */
export const dataDir = resolve(process.env.FACESTREAM_TEST_DATA ?? resolve(repoRoot, '../shared/data'));

export const dataPath = (...parts: string[]): string => resolve(dataDir, ...parts);

if (!existsSync(dataDir)) {
  throw new Error(`test data not found at ${dataDir}: set FACESTREAM_TEST_DATA to the shared data folder`);
}
