/** Embedding arithmetic shared by vision, identify, track, training and evaluation. */

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

/** Mean of two embeddings, renormalised (flip test-time augmentation). */
/** The L2-normalised mean of one or more embeddings (flip and jitter averaging). */
export function meanEmbedding(first: Float32Array, ...rest: Float32Array[]): Float32Array {
  const out = Float32Array.from(first);
  for (const v of rest) for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
  return l2normalize(out);
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return dot / (Math.sqrt(na * nb) || 1);
}

/** Cosine distance, the metric of every threshold in facestream: 0 = identical, 2 = opposite. */
export const cosineDistance = (a: ArrayLike<number>, b: ArrayLike<number>): number => 1 - cosineSimilarity(a, b);
