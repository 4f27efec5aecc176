import { describe, expect, it } from 'vitest';
import type { Box } from '../../../src/common/geometry.js';
import { ConfirmBudget } from '../../../src/vision/confirm-budget.js';

const box = (x: number, y = 40, side = 80): Box => ({ x, y, width: side, height: side });
/** Zero-mean unit-length signatures: `a` and `b` are uncorrelated, `a` with itself 1. */
const a = Float32Array.from([1, -1, 0, 0].map((v) => v / Math.SQRT2));
const b = Float32Array.from([0, 0, 1, -1].map((v) => v / Math.SQRT2));
const budget = (windowMs = 2000) => new ConfirmBudget({ windowMs, iou: 0.5, minAppearance: 0.7 });

describe('ConfirmBudget', () => {
  it('confirms a face once per place per window, then again when the window has passed', () => {
    const c = budget();
    expect(c.select('cam', 0, [{ box: box(10), appearance: a }])).toEqual([true]);
    expect(c.select('cam', 200, [{ box: box(12), appearance: a }])).toEqual([false]);
    expect(c.select('cam', 1999, [{ box: box(14), appearance: a }])).toEqual([false]);
    expect(c.select('cam', 2000, [{ box: box(14), appearance: a }])).toEqual([true]);
    expect(c.select('cam', 2400, [{ box: box(14), appearance: a }])).toEqual([false]);
  });

  it('someone else at the same place (another appearance) is confirmed', () => {
    const c = budget();
    c.select('cam', 0, [{ box: box(10), appearance: a }]);
    expect(c.select('cam', 200, [{ box: box(10), appearance: b }])).toEqual([true]);
  });

  it('a face without an appearance signature is always confirmed (nothing says it is the same face)', () => {
    const c = budget();
    expect(c.select('cam', 0, [{ box: box(10) }])).toEqual([true]);
    expect(c.select('cam', 100, [{ box: box(10) }])).toEqual([true]);
  });

  it('another place, another camera, and a second face at the same place in one frame are confirmed', () => {
    const c = budget();
    c.select('cam', 0, [{ box: box(10), appearance: a }]);
    expect(c.select('cam', 100, [{ box: box(300), appearance: a }])).toEqual([true]);
    expect(c.select('other', 100, [{ box: box(10), appearance: a }])).toEqual([true]);
    // one confirmed face covers one face of a frame, not two overlapping ones
    const d = budget();
    d.select('cam', 0, [{ box: box(10), appearance: a }]);
    expect(d.select('cam', 100, [{ box: box(10), appearance: a }, { box: box(12), appearance: a }])).toEqual([false, true]);
  });

  it('follows a face that moves slowly; its window still runs from the confirmation', () => {
    const c = budget();
    c.select('cam', 0, [{ box: box(0), appearance: a }]);
    // each step overlaps the last box by IoU > 0.5 but not the first one
    expect(c.select('cam', 500, [{ box: box(20), appearance: a }])).toEqual([false]);
    expect(c.select('cam', 1000, [{ box: box(40), appearance: a }])).toEqual([false]);
    expect(c.select('cam', 1500, [{ box: box(60), appearance: a }])).toEqual([false]);
    expect(c.select('cam', 2100, [{ box: box(80), appearance: a }])).toEqual([true]);
  });

  it('windowMs 0 confirms every face', () => {
    const c = budget(0);
    expect(c.select('cam', 0, [{ box: box(10), appearance: a }])).toEqual([true]);
    expect(c.select('cam', 1, [{ box: box(10), appearance: a }])).toEqual([true]);
  });
});
