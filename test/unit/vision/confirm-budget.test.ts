import { describe, expect, it } from 'vitest';
import type { Box } from '../../../src/common/geometry.js';
import { ConfirmBudget } from '../../../src/vision/confirm-budget.js';

const box = (x: number, y = 40, side = 80): Box => ({ x, y, width: side, height: side });
/** Zero-mean unit-length signatures. `turn(k)` drifts from `a` by small steps: neighbours correlate > 0.7, the far ends do not. */
const unit = (v: number[]) => { const m = v.reduce((s, x) => s + x, 0) / v.length; const c = v.map((x) => x - m); const n = Math.hypot(...c); return Float32Array.from(c.map((x) => x / n)); };
const a = unit([1, -1, 0, 0]);
const b = unit([0, 0, 1, -1]);
const turn = (k: number) => unit([Math.cos(k * 0.3), -Math.cos(k * 0.3), Math.sin(k * 0.3), -Math.sin(k * 0.3)]);
const budget = (windowMs = 2000) => new ConfirmBudget({ windowMs, iou: 0.3, minAppearance: 0.7 });
const named = (x: number, appearance: Float32Array = a) => ({ box: box(x), appearance, nameable: true });
const seen = (x: number, appearance: Float32Array = a) => ({ box: box(x), appearance, nameable: false });

describe('ConfirmBudget', () => {
  it('confirms a face followed from frame to frame once per window', () => {
    const c = budget();
    const out: boolean[] = [];
    for (let t = 0; t <= 4400; t += 200) out.push(...c.select('cam', t, [named(10)]));
    // confirmed at 0, 2000, 4000
    expect(out.flatMap((x, i) => (x ? [i * 200] : []))).toEqual([0, 2000, 4000]);
  });

  it('a face that turns slowly stays on its chain (each frame looks like the previous one), though it ends far from its first look', () => {
    const c = budget(10_000);
    expect(c.select('cam', 0, [named(10, turn(0))])).toEqual([true]);
    for (let k = 1; k <= 8; k++) expect(c.select('cam', k * 200, [named(10 + k, turn(k))])).toEqual([false]);
  });

  it('someone else at the same place (another look) starts a new chain and is confirmed', () => {
    const c = budget();
    c.select('cam', 0, [named(10, a)]);
    expect(c.select('cam', 200, [named(10, b)])).toEqual([true]);
  });

  it('faces that are not nameable keep the chain going and are never confirmed; the first nameable face of a chain is', () => {
    const c = budget();
    expect(c.select('cam', 0, [seen(10)])).toEqual([false]);
    expect(c.select('cam', 200, [seen(12)])).toEqual([false]);
    expect(c.select('cam', 400, [named(14)])).toEqual([true]);
    expect(c.select('cam', 600, [named(16)])).toEqual([false]);
  });

  it('a gap over maxGapMs ends a chain', () => {
    const c = budget();
    c.select('cam', 0, [named(10)]);
    expect(c.select('cam', 900, [named(10)])).toEqual([false]);
    expect(c.select('cam', 1950, [named(10)])).toEqual([true]);
  });

  it('a face without an appearance signature is always confirmed (nothing says it is the same face)', () => {
    const c = budget();
    expect(c.select('cam', 0, [{ box: box(10), nameable: true }])).toEqual([true]);
    expect(c.select('cam', 200, [{ box: box(10), nameable: true }])).toEqual([true]);
  });

  it('another place, another camera, and a second face at the same place in one frame are confirmed', () => {
    const c = budget();
    c.select('cam', 0, [named(10)]);
    expect(c.select('cam', 200, [named(300)])).toEqual([true]);
    expect(c.select('other', 200, [named(10)])).toEqual([true]);
    const d = budget();
    d.select('cam', 0, [named(10)]);
    // one chain continues one face of a frame, not two overlapping ones
    expect(d.select('cam', 200, [named(10), named(14)])).toEqual([false, true]);
  });

  it('windowMs 0 confirms every nameable face', () => {
    const c = budget(0);
    expect(c.select('cam', 0, [named(10), seen(300)])).toEqual([true, false]);
    expect(c.select('cam', 1, [named(10)])).toEqual([true]);
  });
});
