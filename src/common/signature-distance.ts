/**
 * How alike two signatures of src/vision/appearance.ts are: pure arithmetic on arrays, shared by
 * the vision stage (the embedding budget) and the tracker (appearance and scene cuts).
 */

/** Pearson correlation of two signatures (both zero-mean, unit-length): 1 = same pattern. */
export function appearanceSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

/** Half the L1 distance of two scene signatures: 0 = same histogram, 1 = disjoint. */
export function sceneDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return 1;
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / 2;
}
