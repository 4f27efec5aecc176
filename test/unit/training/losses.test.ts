import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TF } from '../../../src/engine/tf.js';
import { batchHardTripletLoss, contrastiveLoss, pairwiseDistances, semiHardTripletLoss, tripletLoss } from '../../../src/training/losses.js';

const T = tf as unknown as TF;
const val = (t: tf.Tensor) => t.dataSync()[0]!;
const m2 = (rows: number[][]) => tf.tensor2d(rows);

beforeAll(async () => { await tf.setBackend('cpu'); await tf.ready(); });

describe('contrastive loss  L = (1-Y)·½·D² + Y·½·max(0, m-D)², Y=0 same', () => {
  it('same person: ½·D², zero at zero distance', () => {
    expect(val(contrastiveLoss(T, m2([[0, 0]]), m2([[0, 0]]), tf.tensor1d([0]), 1))).toBeCloseTo(0, 6);
    expect(val(contrastiveLoss(T, m2([[0, 0]]), m2([[3, 4]]), tf.tensor1d([0]), 1))).toBeCloseTo(12.5, 4); // D = 5
  });

  it('different people: ½·m² at zero distance, zero exactly at and beyond the margin', () => {
    expect(val(contrastiveLoss(T, m2([[1, 1]]), m2([[1, 1]]), tf.tensor1d([1]), 2))).toBeCloseTo(2, 5);
    expect(val(contrastiveLoss(T, m2([[0, 0]]), m2([[0, 2]]), tf.tensor1d([1]), 2))).toBeCloseTo(0, 6);
    expect(val(contrastiveLoss(T, m2([[0, 0]]), m2([[0, 3]]), tf.tensor1d([1]), 2))).toBeCloseTo(0, 6);
    expect(val(contrastiveLoss(T, m2([[0, 0]]), m2([[0, 0.5]]), tf.tensor1d([1]), 2))).toBeCloseTo(0.5 * 1.5 ** 2, 5);
  });

  it('averages over the batch', () => {
    const l = contrastiveLoss(T, m2([[0, 0], [0, 0]]), m2([[0, 1], [0, 1]]), tf.tensor1d([0, 1]), 2);
    expect(val(l)).toBeCloseTo((0.5 + 0.5) / 2, 5);
  });

  it('gradient pulls a genuine pair together and pushes an impostor pair apart, finite at D = 0', () => {
    const b = m2([[1, 0]]);
    const gSame = tf.grad((a: tf.Tensor) => contrastiveLoss(T, a, b, tf.tensor1d([0]), 2))(m2([[0, 0]]));
    expect(gSame.dataSync()[0]).toBeLessThan(0); // descending moves a toward b (+x)
    const gDiff = tf.grad((a: tf.Tensor) => contrastiveLoss(T, a, b, tf.tensor1d([1]), 2))(m2([[0.5, 0]]));
    expect(gDiff.dataSync()[0]).toBeGreaterThan(0); // descending moves a away from b (-x)
    const gZero = tf.grad((a: tf.Tensor) => contrastiveLoss(T, a, b, tf.tensor1d([0]), 2))(m2([[1, 0]]));
    expect([...gZero.dataSync()].every(Number.isFinite)).toBe(true);
  });
});

describe('triplet loss  max(0, D(a,p) - D(a,n) + m)', () => {
  it('hand-computed values, zero exactly at the margin', () => {
    const a = m2([[0, 0]]), p = m2([[1, 0]]), n = m2([[0, 3]]);
    expect(val(tripletLoss(T, a, p, n, 1))).toBeCloseTo(0, 6); // 1 - 3 + 1 = -1
    expect(val(tripletLoss(T, a, p, n, 2))).toBeCloseTo(0, 6); // exactly at margin: 1 - 3 + 2 = 0
    expect(val(tripletLoss(T, a, p, n, 2.5))).toBeCloseTo(0.5, 5);
    expect(val(tripletLoss(T, a, a, a, 0.2))).toBeCloseTo(0.2, 5); // all at zero distance: the margin
  });

  it('gradient moves the positive toward the anchor and the negative away', () => {
    const a = m2([[0, 0]]), p0 = m2([[2, 0]]), n0 = m2([[0, 1]]);
    const gp = tf.grad((p: tf.Tensor) => tripletLoss(T, a, p, n0, 1))(p0).dataSync();
    expect(gp[0]).toBeGreaterThan(0); // -grad points to -x, i.e. toward the anchor
    const gn = tf.grad((n: tf.Tensor) => tripletLoss(T, a, p0, n, 1))(n0).dataSync();
    expect(gn[1]).toBeLessThan(0); // -grad points to +y, away from the anchor
  });
});

describe('mined triplet losses on a 1-D batch', () => {
  // labels 0,0,1,1 at x = 0, 1, 1.5, 4
  const x = m2([[0], [1], [1.5], [4]]);
  const labels = tf.tensor1d([0, 0, 1, 1], 'int32');

  it('pairwise distances with zero diagonal and no NaN', () => {
    const d = pairwiseDistances(T, x).arraySync() as number[][];
    expect(d[0]![3]).toBeCloseTo(4, 4);
    expect(d[1]![1]).toBeCloseTo(0, 4);
  });

  it('batch-hard: farthest positive, nearest negative per anchor', () => {
    // a0: p=1, n=min(1.5,4)=1.5 -> 1-1.5+1 = 0.5 ; a1: p=1, n=0.5 -> 1.5
    // a2: p=2.5, n=min(1.5,0.5)=0.5 -> 3 ; a3: p=2.5, n=min(4,3)=3 -> 0.5
    expect(val(batchHardTripletLoss(T, x, labels, 1))).toBeCloseTo((0.5 + 1.5 + 3 + 0.5) / 4, 4);
  });

  it('semi-hard: nearest negative farther than the positive, else the farthest negative', () => {
    // (0,1): d_ap=1, negs 1.5,4 -> semi 1.5 -> 0.5 ; (1,0): d_ap=1, negs 0.5,3 -> semi 3 -> 0
    // (2,3): d_ap=2.5, negs 1.5,0.5 none farther -> farthest 1.5 -> 2 ; (3,2): d_ap=2.5, negs 4,3 -> semi 3 -> 0.5
    expect(val(semiHardTripletLoss(T, x, labels, 1))).toBeCloseTo((0.5 + 0 + 2 + 0.5) / 4, 4);
  });

  it('gradients of the mined losses are finite and reduce the loss after a step', () => {
    for (const loss of [batchHardTripletLoss, semiHardTripletLoss]) {
      const v = tf.variable(x.clone());
      const opt = tf.train.sgd(0.05);
      const before = val(loss(T, v, labels, 1));
      for (let i = 0; i < 5; i++) opt.minimize(() => loss(T, v, labels, 1) as tf.Scalar);
      const after = val(loss(T, v, labels, 1));
      expect(Number.isFinite(after)).toBe(true);
      expect(after).toBeLessThan(before);
      v.dispose();
    }
  });
});
