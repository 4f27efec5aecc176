import { describe, expect, it } from 'vitest';
import type { Box } from '../../../src/common/geometry.js';
import { ConfirmBudget } from '../../../src/vision/confirm-budget.js';

const box = (x: number, y = 40, side = 80): Box => ({ x, y, width: side, height: side });
const budget = (windowMs = 2000) => new ConfirmBudget({ windowMs, iou: 0.3 });
const named = (x: number) => ({ box: box(x), nameable: true });
const seen = (x: number) => ({ box: box(x), nameable: false });
const confirmedAt = (c: ConfirmBudget, frames: [number, ReturnType<typeof named>[]][]) =>
  frames.flatMap(([t, faces]) => c.select('cam', t, faces).map((x, i) => (x ? `${t}:${i}` : null))).filter((x) => x !== null);

describe('ConfirmBudget', () => {
  it('confirms a face followed from frame to frame once per window', () => {
    const frames: [number, ReturnType<typeof named>[]][] = [];
    for (let t = 0; t <= 4400; t += 200) frames.push([t, [named(10)]]);
    expect(confirmedAt(budget(), frames)).toEqual(['0:0', '2000:0', '4000:0']);
  });

  it('follows a face that moves across the frame, box by box, though its last box is far from its first', () => {
    const frames: [number, ReturnType<typeof named>[]][] = [];
    for (let k = 0; k <= 9; k++) frames.push([k * 200, [named(10 + k * 30)]]);
    expect(confirmedAt(budget(), frames)).toEqual(['0:0']);
  });

  it('a jump (no overlap with any chain) starts a new chain, confirmed at once', () => {
    const c = budget();
    c.select('cam', 0, [named(10)]);
    expect(c.select('cam', 200, [named(300)])).toEqual([true]);
  });

  it('faces that are not nameable keep the chain going and are never confirmed; the first nameable face of a chain is', () => {
    expect(confirmedAt(budget(), [[0, [seen(10)]], [200, [seen(12)]], [400, [named(14)]], [600, [named(16)]]])).toEqual(['400:0']);
  });

  it('a gap over maxGapMs ends a chain', () => {
    const c = budget();
    c.select('cam', 0, [named(10)]);
    expect(c.select('cam', 900, [named(10)])).toEqual([false]);
    expect(c.select('cam', 1950, [named(10)])).toEqual([true]);
  });

  it('another camera, and a second face at the same place in one frame, are confirmed', () => {
    const c = budget();
    c.select('cam', 0, [named(10)]);
    expect(c.select('other', 200, [named(10)])).toEqual([true]);
    // one chain continues one face of a frame, not two overlapping ones
    expect(c.select('cam', 200, [named(10), named(14)])).toEqual([false, true]);
  });

  it('windowMs 0 confirms every nameable face', () => {
    const c = budget(0);
    expect(c.select('cam', 0, [named(10), seen(300)])).toEqual([true, false]);
    expect(c.select('cam', 1, [named(10)])).toEqual([true]);
  });
});
