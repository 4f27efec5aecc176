import type { Tensor, TF } from '../engine/tf.js';

/**
 * Metric-learning losses on TF.js tensors (any backend with gradients: wasm, cpu, webgpu).
 * Distances are Euclidean; on L2-normalised embeddings D² = 2·(cosine distance).
 * Squared distances are clamped at `eps` before the square root: the gradient of sqrt at 0
 * is infinite, and identical embeddings (a sample with itself) must give 0, not NaN.
 */
export const distanceEps = 1e-12;

/** Row-wise Euclidean distance between a[i] and b[i]: [n, d] x [n, d] -> [n]. */
export function pairDistance(tf: TF, a: Tensor, b: Tensor): Tensor {
  return tf.tidy(() => tf.sqrt(tf.maximum(tf.sum(tf.square(tf.sub(a, b)), -1), distanceEps)));
}

/** All pairwise Euclidean distances of the rows of x: [n, d] -> [n, n]. */
export function pairwiseDistances(tf: TF, x: Tensor): Tensor {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(x), 1, true); // [n, 1]
    const d2 = tf.add(tf.sub(sq, tf.mul(2, tf.matMul(x, x, false, true))), tf.transpose(sq));
    return tf.sqrt(tf.maximum(d2, distanceEps));
  });
}

/**
 * Contrastive loss (Hadsell et al.), mean over pairs:
 *   L = (1-Y)·½·D² + Y·½·max(0, m - D)²   with Y = 0 for the same person, 1 for different people.
 */
export function contrastiveLoss(tf: TF, a: Tensor, b: Tensor, y: Tensor, margin: number): Tensor {
  return tf.tidy(() => {
    const d = pairDistance(tf, a, b);
    const yf = tf.cast(y, 'float32');
    const same = tf.mul(tf.sub(1, yf), tf.mul(0.5, tf.square(d)));
    const diff = tf.mul(yf, tf.mul(0.5, tf.square(tf.relu(tf.sub(margin, d)))));
    return tf.mean(tf.add(same, diff));
  });
}

/** Triplet loss on explicit triplets, mean of max(0, D(a,p) - D(a,n) + m). */
export function tripletLoss(tf: TF, anchor: Tensor, positive: Tensor, negative: Tensor, margin: number): Tensor {
  return tf.tidy(() => tf.mean(tf.relu(tf.add(tf.sub(pairDistance(tf, anchor, positive), pairDistance(tf, anchor, negative)), margin))));
}

function labelMasks(tf: TF, labels: Tensor) {
  const l = tf.cast(labels, 'int32');
  const same = tf.cast(tf.equal(tf.expandDims(l, 1), tf.expandDims(l, 0)), 'float32');
  const n = l.shape[0]!;
  const eye = tf.eye(n);
  return { positive: tf.sub(same, eye), negative: tf.sub(1, same) };
}

/**
 * Batch-hard triplet loss (Hermans et al. 2017): for every anchor, its farthest positive and
 * nearest negative in the batch; mean over anchors that have both.
 */
export function batchHardTripletLoss(tf: TF, embeddings: Tensor, labels: Tensor, margin: number): Tensor {
  return tf.tidy(() => {
    const d = pairwiseDistances(tf, embeddings);
    const { positive, negative } = labelMasks(tf, labels);
    const hardestPositive = tf.max(tf.mul(d, positive), 1);
    // push non-negatives beyond any real distance before taking the minimum
    const big = tf.add(tf.max(d), 1);
    const hardestNegative = tf.min(tf.add(tf.mul(d, negative), tf.mul(tf.sub(1, negative), big)), 1);
    const valid = tf.mul(tf.cast(tf.greater(tf.sum(positive, 1), 0), 'float32'), tf.cast(tf.greater(tf.sum(negative, 1), 0), 'float32'));
    const per = tf.mul(tf.relu(tf.add(tf.sub(hardestPositive, hardestNegative), margin)), valid);
    return tf.div(tf.sum(per), tf.maximum(tf.sum(valid), 1));
  });
}

/**
 * Semi-hard triplet loss (FaceNet, Schroff et al. 2015): for every anchor-positive pair, the
 * nearest negative that is still farther than the positive (D(a,p) < D(a,n)); when there is
 * none, the farthest negative (as tf-addons does). Mean over anchor-positive pairs.
 */
export function semiHardTripletLoss(tf: TF, embeddings: Tensor, labels: Tensor, margin: number): Tensor {
  return tf.tidy(() => {
    const d = pairwiseDistances(tf, embeddings); // [n, n]
    const { positive, negative } = labelMasks(tf, labels);
    const dAn = tf.expandDims(d, 1); // [a, 1, n]
    const neg = tf.expandDims(negative, 1); // [a, 1, n]
    // which negatives are semi-hard is a selection, not a function to differentiate (Greater has
    // no gradient): decide it on a detached copy of the distances
    const dc = tf.tensor(d.dataSync(), d.shape);
    const semi = tf.mul(tf.cast(tf.greater(tf.expandDims(dc, 1), tf.expandDims(dc, 2)), 'float32'), neg); // [a, p, n]
    const big = tf.add(tf.max(d), 1);
    const nearestSemi = tf.min(tf.add(tf.mul(dAn, semi), tf.mul(tf.sub(1, semi), big)), 2); // [a, p]
    const hasSemi = tf.cast(tf.greater(tf.sum(semi, 2), 0), 'float32');
    const farthestNeg = tf.max(tf.mul(d, negative), 1, true); // [a, 1]
    const chosen = tf.add(tf.mul(hasSemi, nearestSemi), tf.mul(tf.sub(1, hasSemi), farthestNeg));
    const hasNeg = tf.cast(tf.greater(tf.sum(negative, 1, true), 0), 'float32');
    const pairs = tf.mul(positive, hasNeg);
    const per = tf.mul(tf.relu(tf.add(tf.sub(d, chosen), margin)), pairs);
    return tf.div(tf.sum(per), tf.maximum(tf.sum(pairs), 1));
  });
}
