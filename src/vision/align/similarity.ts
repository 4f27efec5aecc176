/** A 2-D similarity transform: x' = a*x - b*y + tx, y' = b*x + a*y + ty (rotation, uniform scale, shift). */
export interface Similarity { a: number; b: number; tx: number; ty: number }

export type Point = readonly [number, number];

/**
 * Least-squares similarity transform mapping `from` onto `to` (no reflection). Equal to
 * Umeyama's solution, which is what dlib's find_similarity_transform computes.
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  if (from.length !== to.length || from.length < 2) throw new Error('fitSimilarity needs two equal lists of at least 2 points');
  const n = from.length;
  let fx = 0, fy = 0, gx = 0, gy = 0;
  for (let i = 0; i < n; i++) { fx += from[i]![0]; fy += from[i]![1]; gx += to[i]![0]; gy += to[i]![1]; }
  fx /= n; fy /= n; gx /= n; gy /= n;
  let den = 0, na = 0, nb = 0;
  for (let i = 0; i < n; i++) {
    const x = from[i]![0] - fx, y = from[i]![1] - fy;
    const u = to[i]![0] - gx, v = to[i]![1] - gy;
    den += x * x + y * y;
    na += x * u + y * v;
    nb += x * v - y * u;
  }
  if (den === 0) throw new Error('fitSimilarity: source points are all identical');
  const a = na / den, b = nb / den;
  return { a, b, tx: gx - (a * fx - b * fy), ty: gy - (b * fx + a * fy) };
}

export const applySimilarity = (t: Similarity, p: Point): [number, number] =>
  [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];

/** Scale factor of the transform (image pixels per chip pixel when mapping chip -> image). */
export const similarityScale = (t: Similarity): number => Math.hypot(t.a, t.b);
