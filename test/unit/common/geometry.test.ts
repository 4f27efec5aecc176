import { describe, expect, it } from 'vitest';
import { nms, iou, clipBox } from '../../../src/common/geometry.js';

describe('boxes and vectors', () => {
  it('nms keeps the best of overlapping boxes and all separate ones', () => {
    const kept = nms([
      { score: 0.8, box: { x: 0, y: 0, width: 10, height: 10 } },
      { score: 0.9, box: { x: 1, y: 1, width: 10, height: 10 } },
      { score: 0.7, box: { x: 50, y: 50, width: 10, height: 10 } },
    ], 0.4);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(1 / 3, 6);
    expect(clipBox({ x: -5, y: -5, width: 10, height: 10 }, 100, 100)).toEqual({ x: 0, y: 0, width: 5, height: 5 });
    expect(clipBox({ x: 200, y: 0, width: 10, height: 10 }, 100, 100)).toBeNull();
  });
});
