import { describe, expect, it } from 'vitest';
import { cosineDistance, l2normalize, meanEmbedding } from '../../../src/common/vectors.js';

describe('boxes and vectors', () => {
  it('cosine distance and flip mean on normalised vectors', () => {
    const a = l2normalize(Float32Array.from([3, 4]));
    expect(a[0]).toBeCloseTo(0.6, 6);
    expect(cosineDistance(a, a)).toBeCloseTo(0, 6);
    expect(cosineDistance([1, 0], [0, 1])).toBeCloseTo(1, 6);
    expect(cosineDistance([1, 0], [-1, 0])).toBeCloseTo(2, 6);
    const m = meanEmbedding(Float32Array.from([1, 0]), Float32Array.from([0, 1]));
    expect(m[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });
});
