import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../../src/vision/micro-batcher.js';

describe('MicroBatcher', () => {
  it('runs full batches at once and the rest after maxWaitMs, each submit getting its own output', async () => {
    const runs: number[][] = [];
    const sizes: number[] = [];
    const b = new MicroBatcher<number, number>(3, 20, async (xs) => { runs.push(xs); return xs.map((x) => x * 10); }, (n) => sizes.push(n));
    const out = await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x)));
    expect(out).toEqual([10, 20, 30, 40, 50]);
    expect(runs).toEqual([[1, 2, 3], [4, 5]]);
    expect(sizes).toEqual([3, 2]);
    expect(b.pending).toBe(0);
  });

  it('a failing batch rejects its own items only', async () => {
    const b = new MicroBatcher<number, number>(2, 10, async (xs) => { if (xs.includes(1)) throw new Error('boom'); return xs; });
    const r = await Promise.allSettled([b.submit(1), b.submit(2), b.submit(3)]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });

  it('a batch function returning the wrong count rejects the batch', async () => {
    const b = new MicroBatcher<number, number>(2, 5, async () => [1]);
    await expect(Promise.all([b.submit(1), b.submit(2)])).rejects.toThrow(/1 outputs for 2 items/);
  });

  it('refuses a size below 1', () => {
    expect(() => new MicroBatcher(0, 5, async (xs: number[]) => xs)).toThrow(/positive integer/);
  });
});
