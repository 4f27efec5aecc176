// Shared helpers for the evaluation unit tests (not a test file itself).
import { seededRandom } from '../../src/training/samplers.js';
import type { ScoredPair } from '../../src/evaluation/index.js';
export { calibrate, confusionAt, writeThreshold } from '../../src/evaluation/index.js';

/** Overlapping genuine (around 0.3) and impostor (around 0.6) distances. */
export function seededPairs(n: number, seed: number): ScoredPair[] {
  const r = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: 2 * n }, (_, i) => ({ same: i < n, distance: (i < n ? 0.3 : 0.6) + 0.1 * gauss() }));
}
