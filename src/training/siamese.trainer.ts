import type { TF, Tensor } from '../engine/tf.js';
import { bestAccuracyThreshold, confusionAt, type ScoredPair } from '../evaluation/verification.metrics.js';
import { cosineDistance } from '../common/vectors.js';
import { batchHardTripletLoss, contrastiveLoss, semiHardTripletLoss } from './losses.js';
import { buildHead, projectTensor } from './projection.head.js';
import { IdentityBatchSampler, PairSampler, assertDisjoint, seededRandom, splitIdentities, type Pair } from './samplers.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;

export const lossNames = ['triplet', 'triplet-semihard', 'contrastive'] as const;
export type LossName = (typeof lossNames)[number];

export interface TrainOptions {
  /** triplet = batch-hard triplet; triplet-semihard = FaceNet semi-hard; contrastive = pairs. */
  loss: LossName;
  margin: number;
  epochs: number;
  /** Optimiser steps per epoch. */
  stepsPerEpoch: number;
  learningRate: number;
  /** 0 = linear head (identity start); > 0 = one ReLU hidden layer of this width. */
  hidden: number;
  outputDim?: number;
  /** Share of identities (with 2+ images) held out for validation and early stopping. */
  valFraction: number;
  /** Stop after this many epochs without a better validation loss. */
  patience: number;
  /** Identities per batch (triplet) / pairs per batch = p * k (contrastive). */
  p: number;
  k: number;
  seed: number;
  /** Identities that must never be trained on (test people): checked, training fails if they leak. */
  exclude?: Iterable<string>;
  onEpoch?: (e: EpochLog) => void;
}

export interface EpochLog { epoch: number; trainLoss: number; valLoss: number; best: boolean }

export interface TrainResult {
  model: LayersModel;
  history: EpochLog[];
  bestEpoch: number;
  identities: { train: number; val: number; trainImages: number; valImages: number };
  /** Verification on held-out identities: threshold chosen on training-identity pairs. */
  heldOut: { before: VerificationCheck; after: VerificationCheck };
  /** Loss on the first and last epoch's training batches (does training reduce it). */
  firstTrainLoss: number;
  lastTrainLoss: number;
}

export interface VerificationCheck { accuracy: number; threshold: number; pairs: number }

/** A labelled set of frozen-backbone embeddings. */
export interface EmbeddingSet { vectors: Float32Array[]; identities: string[] }

function byIdentity(set: EmbeddingSet): Map<string, number[]> {
  const m = new Map<string, number[]>();
  set.identities.forEach((id, i) => { if (!m.has(id)) m.set(id, []); m.get(id)!.push(i); });
  return m;
}

/** Verification accuracy of `project` on `test` pairs with a threshold chosen on `fit` pairs. */
export function pairCheck(vectors: readonly Float32Array[], fit: readonly Pair[], test: readonly Pair[]): VerificationCheck {
  const score = (ps: readonly Pair[]): ScoredPair[] => ps.map((p) => ({ distance: cosineDistance(vectors[p.a]!, vectors[p.b]!), same: p.same }));
  const t = bestAccuracyThreshold(score(fit)).threshold;
  return { accuracy: confusionAt(score(test), t).accuracy, threshold: t, pairs: test.length };
}

/**
 * Train a projection head over frozen embeddings as a Siamese (contrastive) or triplet network.
 * Validation identities are split off first (disjoint from training identities) and drive
 * early stopping; the best-validation weights are restored at the end.
 */
export async function trainHead(tf: TF, data: EmbeddingSet, o: TrainOptions): Promise<TrainResult> {
  const dim = data.vectors[0]?.length;
  if (!dim) throw new Error('trainHead: no embeddings');
  const all = byIdentity(data);
  if (o.exclude) assertDisjoint(all.keys(), o.exclude, 'training data vs excluded (test) identities');
  const { train, val } = splitIdentities(all, o.valFraction, o.seed);
  assertDisjoint(train.keys(), val.keys(), 'train vs validation identities');
  const rand = seededRandom(o.seed + 1);
  const batches = new IdentityBatchSampler(train, rand, val.keys());
  const pairs = new PairSampler(train, rand, val.keys());
  const valPairsSampler = new PairSampler(val, seededRandom(o.seed + 2), train.keys());
  const fitPairs = new PairSampler(train, seededRandom(o.seed + 3), val.keys()).sample(2000);
  const heldOutPairs = valPairsSampler.sample(2000);
  // fixed validation batches: the same every epoch, so the curve compares like with like
  const valBatchSampler = new IdentityBatchSampler(val, seededRandom(o.seed + 4), train.keys());
  const valBatches = Array.from({ length: 8 }, () => valBatchSampler.sample(o.p, o.k));
  const valPairBatches = Array.from({ length: 8 }, () => valPairsSampler.sample(o.p * o.k));

  const X = tf.tensor2d(concat(data.vectors, dim), [data.vectors.length, dim]);
  const model = buildHead(tf, dim, o.outputDim ?? dim, o.hidden, o.seed);
  const optimizer = tf.train.adam(o.learningRate);

  const lossOfBatch = (indices: number[], labels: number[]): Tensor => {
    const emb = projectTensor(tf, model, tf.gather(X, tf.tensor1d(indices, 'int32')));
    const l = tf.tensor1d(labels, 'int32');
    return o.loss === 'triplet' ? batchHardTripletLoss(tf, emb, l, o.margin) : semiHardTripletLoss(tf, emb, l, o.margin);
  };
  const lossOfPairs = (ps: Pair[]): Tensor => {
    const a = projectTensor(tf, model, tf.gather(X, tf.tensor1d(ps.map((p) => p.a), 'int32')));
    const b = projectTensor(tf, model, tf.gather(X, tf.tensor1d(ps.map((p) => p.b), 'int32')));
    return contrastiveLoss(tf, a, b, tf.tensor1d(ps.map((p) => (p.same ? 0 : 1)), 'float32'), o.margin);
  };
  const stepLoss = (): Tensor => {
    if (o.loss === 'contrastive') return lossOfPairs(pairs.sample(o.p * o.k));
    const b = batches.sample(o.p, o.k);
    return lossOfBatch(b.indices, b.labels);
  };
  const valLoss = (): number => tf.tidy(() => {
    const ls = o.loss === 'contrastive' ? valPairBatches.map(lossOfPairs) : valBatches.map((b) => lossOfBatch(b.indices, b.labels));
    return ls.reduce((s, l) => s + l.dataSync()[0]!, 0) / ls.length;
  });

  const projectAll = (): Float32Array[] => tf.tidy(() => {
    const y = projectTensor(tf, model, X).dataSync() as Float32Array;
    const k = model.outputs[0]!.shape[1]!;
    return data.vectors.map((_, i) => y.slice(i * k, (i + 1) * k));
  });

  const before = pairCheck(data.vectors, fitPairs, heldOutPairs);
  const history: EpochLog[] = [];
  let best = valLoss(), bestEpoch = 0, bestWeights = model.getWeights().map((w) => w.clone()), stale = 0;
  let firstTrainLoss = NaN, lastTrainLoss = NaN;
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      let sum = 0;
      for (let s = 0; s < o.stepsPerEpoch; s++) {
        const cost = optimizer.minimize(() => stepLoss() as import('@tensorflow/tfjs').Scalar, true) as Tensor;
        sum += cost.dataSync()[0]!;
        cost.dispose();
      }
      const trainLoss = sum / o.stepsPerEpoch;
      if (epoch === 1) firstTrainLoss = trainLoss;
      lastTrainLoss = trainLoss;
      const v = valLoss();
      const improved = v < best - 1e-6;
      if (improved) {
        best = v; bestEpoch = epoch; stale = 0;
        for (const w of bestWeights) w.dispose();
        bestWeights = model.getWeights().map((w) => w.clone());
      } else stale++;
      const log = { epoch, trainLoss, valLoss: v, best: improved };
      history.push(log);
      o.onEpoch?.(log);
      if (stale >= o.patience) break;
    }
    model.setWeights(bestWeights);
    const after = pairCheck(projectAll(), fitPairs, heldOutPairs);
    return {
      model, history, bestEpoch, firstTrainLoss, lastTrainLoss,
      identities: { train: train.size, val: val.size, trainImages: [...train.values()].reduce((a, v) => a + v.length, 0), valImages: [...val.values()].reduce((a, v) => a + v.length, 0) },
      heldOut: { before, after },
    };
  } finally {
    for (const w of bestWeights) w.dispose();
    X.dispose();
    optimizer.dispose();
  }
}

function concat(vs: readonly Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(vs.length * dim);
  vs.forEach((v, i) => out.set(v, i * dim));
  return out;
}
