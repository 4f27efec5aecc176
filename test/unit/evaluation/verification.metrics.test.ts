import { describe, expect, it } from 'vitest';
import {
  bestAccuracyThreshold, confusionAt, equalErrorRate, kFoldAccuracy, parseLfwPairs, lfwImagePath, rocAuc, rocCurve, thresholdAtFar, tarAtFar,
  type ScoredPair,
} from '../../../src/evaluation/index.js';

const s = (distance: number, same: boolean): ScoredPair => ({ distance, same });

describe('LFW pairs file', () => {
  it('parses the plain "N" header: N genuine then N impostor pairs', () => {
    const f = parseLfwPairs('2\nA\t1\t2\nB 3 4\nA\t1\tC\t2\nB 1 D 10\n');
    expect(f.folds).toBe(1);
    expect(f.pairs.map((p) => p.same)).toEqual([true, true, false, false]);
    expect(f.pairs[3]).toMatchObject({ a: { name: 'B', index: 1 }, b: { name: 'D', index: 10 }, line: 5, fold: 0 });
    expect(lfwImagePath('/x', f.pairs[3]!.b)).toBe('/x/D/D_0010.jpg');
  });

  it('parses "folds<TAB>n" and numbers the folds', () => {
    const f = parseLfwPairs('2\t1\nA 1 2\nA 1 B 1\nC 1 2\nC 2 D 1\n');
    expect(f.folds).toBe(2);
    expect(f.pairs.map((p) => p.fold)).toEqual([0, 0, 1, 1]);
  });

  it('refuses a count mismatch and a genuine line where an impostor belongs', () => {
    expect(() => parseLfwPairs('2\nA 1 2\nA 1 B 1\n')).toThrow(/announces 4 pairs/);
    expect(() => parseLfwPairs('1\nA 1 2\nB 1 2\n')).toThrow(/expected a impostor pair/);
    expect(() => parseLfwPairs('x\n')).toThrow(/line 1/);
  });
});

describe('verification metrics', () => {
  const scores = [s(0.1, true), s(0.2, true), s(0.35, true), s(0.3, false), s(0.5, false), s(0.6, false)];

  it('counts the confusion matrix at a threshold (distance <= t accepts)', () => {
    const c = confusionAt(scores, 0.3);
    expect([c.tp, c.fn, c.fp, c.tn]).toEqual([2, 1, 1, 2]);
    expect(c.precision).toBeCloseTo(2 / 3);
    expect(c.recall).toBeCloseTo(2 / 3);
    expect(c.f1).toBeCloseTo(2 / 3);
    expect(c.far).toBeCloseTo(1 / 3);
  });

  it('picks the middle of the best-accuracy plateau', () => {
    // perfectly separable: any t in [0.2, 0.3) is 100 %, the midpoint candidate range centre is chosen
    const sep = [s(0.1, true), s(0.2, true), s(0.3, false), s(0.4, false)];
    const best = bestAccuracyThreshold(sep);
    expect(best.accuracy).toBe(1);
    expect(best.threshold).toBeCloseTo(0.25);
    expect(bestAccuracyThreshold(scores).accuracy).toBeCloseTo(5 / 6);
  });

  it('sets the FAR threshold below the first impostor it must reject', () => {
    const imp = Array.from({ length: 100 }, (_, i) => s(0.5 + i / 100, false));
    const gen = Array.from({ length: 100 }, (_, i) => s(0.3 + i / 200, true));
    const data = [...imp, ...gen];
    for (const far of [0.001, 0.01, 0.05, 0.2]) {
      const c = thresholdAtFar(data, far);
      expect(c.far).toBeLessThanOrEqual(far);
      // and it is the largest such: one more impostor would break the target
      expect(confusionAt(data, imp[Math.floor(far * 100)]!.distance).far).toBeGreaterThan(far);
    }
    expect(tarAtFar(data, 0.01).tar).toBeCloseTo(confusionAt(data, thresholdAtFar(data, 0.01).threshold).tar);
  });

  it('AUC is 1 for separable scores, 0.5 for identical ones; EER at the crossing', () => {
    expect(rocAuc(rocCurve([s(0.1, true), s(0.2, true), s(0.3, false), s(0.4, false)]))).toBeCloseTo(1);
    expect(rocAuc(rocCurve([s(0.5, true), s(0.5, false)]))).toBeCloseTo(0.5);
    // 1 of 4 genuine above 1 of 4 impostors: EER 25 %
    const e = equalErrorRate(rocCurve([s(0.1, true), s(0.2, true), s(0.3, true), s(0.45, false), s(0.6, true), s(0.4, false), s(0.7, false), s(0.8, false)]));
    expect(e.eer).toBeCloseTo(0.25);
  });
});

describe('k-fold protocol', () => {
  it('chooses each fold threshold on the other folds and reports mean ± std (known answer)', () => {
    // Held-out fold 2: folds 0+1 separate anywhere in (0.3, 0.75): threshold 0.525, so fold 2's
    // genuine pair at 0.6 is rejected (50 %). Folds 0 and 1 get thresholds 0.675 / 0.7: 100 %.
    const items = [
      { distance: 0.2, same: true, fold: 0 }, { distance: 0.8, same: false, fold: 0 },
      { distance: 0.3, same: true, fold: 1 }, { distance: 0.75, same: false, fold: 1 },
      { distance: 0.6, same: true, fold: 2 }, { distance: 0.9, same: false, fold: 2 },
    ];
    const r = kFoldAccuracy(items, 3);
    expect(r.folds.map((f) => f.accuracy)).toEqual([1, 1, 0.5]);
    expect(r.folds.map((f) => f.threshold)).toEqual([expect.closeTo(0.675), expect.closeTo(0.7), expect.closeTo(0.525)]);
    expect(r.mean).toBeCloseTo(2.5 / 3);
    expect(r.std).toBeCloseTo(Math.sqrt(((1 - 2.5 / 3) ** 2 * 2 + (0.5 - 2.5 / 3) ** 2) / 3));
  });

  it('counts unscorable pairs as wrong through the per-fold totals', () => {
    const items = [{ distance: 0.1, same: true, fold: 0 }, { distance: 0.9, same: false, fold: 0 }, { distance: 0.1, same: true, fold: 1 }, { distance: 0.9, same: false, fold: 1 }];
    const r = kFoldAccuracy(items, 2, [4, 2]);
    expect(r.folds.map((f) => f.accuracy)).toEqual([0.5, 1]);
  });
});
