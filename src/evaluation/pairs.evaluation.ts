import { imagesOf, lfwImageKey, lfwImagePath, type LfwImageRef, type LfwPair, type LfwPairsFile } from './lfw-pairs.protocol.js';
import type { ImageEmbedding } from './image-embedding.source.js';
import { cosineDistance } from '../common/vectors.js';
import {
  bestAccuracyThreshold, confusionAt, equalErrorRate, kFoldAccuracy, rocAuc, rocCurve, thresholdAtFar,
  type Confusion, type KFoldResult, type RocPoint, type ScoredPair,
} from './verification.metrics.js';

/** Where image embeddings come from (ImageEmbeddingSource, or a fake in tests). */
export interface EmbeddingProvider {
  embed(path: string): Promise<ImageEmbedding>;
}

export type ThresholdProtocol =
  /** threshold chosen on 9 folds, accuracy on the 10th (the pairs file has folds) */
  | 'k-fold'
  /** threshold chosen on separate training pairs (--train-pairs) */
  | 'train-pairs'
  /** a given threshold (--threshold, or the engine's configured one) */
  | 'fixed'
  /** threshold chosen on the test pairs themselves: optimistic, reported as such */
  | 'self';

export interface PairFailure { line: number; a: string; b: string; same: boolean; reason: string }

export interface TarAtFar {
  far: number;
  /** TAR at the threshold that gives this FAR on the test pairs themselves (the ROC reading). */
  tar: number;
  threshold: number;
  /** When training pairs exist: the threshold set on them at this FAR, applied to the test pairs. */
  calibrated?: { threshold: number; testFar: number; testTar: number };
}

export interface PairsEvaluation {
  protocol: ThresholdProtocol;
  modelId: string;
  flip: boolean;
  pairs: { total: number; genuine: number; impostor: number; scored: number; failed: number };
  /**
   * Images without an embedding make their pairs unscorable. `accuracy` counts such pairs as
   * wrong answers (what a user of the engine would get); `accuracyScoredOnly` leaves them out.
   */
  failures: { images: number; noFace: number; error: number; pairs: number; imageList: { path: string; status: string; faces: number; error?: string }[]; pairList: PairFailure[] };
  /** Embedded faces that the engine's quality gate would reject (embedded anyway here). */
  qualityRejected: number;
  /** Test images per analyzePhoto pass that found the subject face (detector, padding, low-score, other-detector). */
  passes: Record<string, number>;
  threshold: number;
  accuracy: number;
  accuracyScoredOnly: number;
  /** 10-fold mean ± std (k-fold protocol only; failed pairs counted wrong). */
  folds?: KFoldResult;
  /** On the training pairs, at the chosen threshold (train-pairs protocol). */
  trainAccuracy?: number;
  /** Scored pairs at the chosen threshold. */
  confusion: Confusion;
  /** Failed pairs added as errors: genuine -> fn, impostor -> fp. */
  confusionStrict: { tp: number; fn: number; fp: number; tn: number };
  auc: number;
  eer: number;
  eerThreshold: number;
  tarAtFar: TarAtFar[];
  distances: { genuineMedian: number; impostorMedian: number; genuine: number[]; impostor: number[] };
  roc: RocPoint[];
  timing: { images: number; computed: number; fromCache: number; msPerImage: number; wallSeconds: number };
  wrongPairs: { line: number; a: string; b: string; same: boolean; distance: number }[];
}

export interface PairsEvaluationOptions {
  test: LfwPairsFile;
  train?: LfwPairsFile;
  imagesDir: string;
  /** Fixed threshold (overrides the protocol's choice). */
  threshold?: number;
  /** FAR targets for TAR@FAR (default 1e-2, 1e-3). */
  fars?: number[];
  modelId: string;
  flip: boolean;
  onProgress?: (done: number, total: number) => void;
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const round = (x: number, d = 6): number => Math.round(x * 10 ** d) / 10 ** d;

/** Embed every image the pairs need, once each. */
export async function embedPairImages(provider: EmbeddingProvider, imagesDir: string, refs: readonly LfwImageRef[], onProgress?: (done: number, total: number) => void) {
  const byKey = new Map<string, ImageEmbedding>();
  let done = 0;
  for (const r of refs) {
    byKey.set(lfwImageKey(r), await provider.embed(lfwImagePath(imagesDir, r)));
    onProgress?.(++done, refs.length);
  }
  return byKey;
}

interface Scored extends ScoredPair { fold: number; pair: LfwPair }

function scorePairs(pairs: readonly LfwPair[], emb: Map<string, ImageEmbedding>) {
  const scored: Scored[] = [];
  const failed: PairFailure[] = [];
  const name = (r: LfwImageRef) => `${r.name}_${String(r.index).padStart(4, '0')}`;
  for (const p of pairs) {
    const a = emb.get(lfwImageKey(p.a))!, b = emb.get(lfwImageKey(p.b))!;
    if (a.embedding && b.embedding) {
      scored.push({ distance: cosineDistance(a.embedding, b.embedding), same: p.same, fold: p.fold, pair: p });
    } else {
      const why = [a, b].filter((e) => !e.embedding).map((e) => `${e.path.split('/').pop()}: ${e.status}`).join('; ');
      failed.push({ line: p.line, a: name(p.a), b: name(p.b), same: p.same, reason: why });
    }
  }
  return { scored, failed };
}

/**
 * The LFW pair protocol over an embedding provider. Threshold: fixed if given; else from the
 * training pairs; else k-fold when the file has folds; else chosen on the test pairs (self).
 */
export async function evaluatePairs(provider: EmbeddingProvider, o: PairsEvaluationOptions): Promise<PairsEvaluation> {
  const t0 = performance.now();
  const refs = imagesOf([...o.test.pairs, ...(o.train?.pairs ?? [])]);
  const emb = await embedPairImages(provider, o.imagesDir, refs, o.onProgress);
  const test = scorePairs(o.test.pairs, emb);
  const train = o.train ? scorePairs(o.train.pairs, emb) : undefined;

  let protocol: ThresholdProtocol;
  let threshold: number;
  let folds: KFoldResult | undefined;
  let trainAccuracy: number | undefined;
  if (o.threshold !== undefined) {
    protocol = 'fixed';
    threshold = o.threshold;
  } else if (train) {
    protocol = 'train-pairs';
    const best = bestAccuracyThreshold(train.scored);
    threshold = best.threshold;
    trainAccuracy = best.accuracy;
  } else if (o.test.folds > 1) {
    protocol = 'k-fold';
    const totals = Array.from({ length: o.test.folds }, (_, k) => o.test.pairs.filter((p) => p.fold === k).length);
    folds = kFoldAccuracy(test.scored, o.test.folds, totals);
    // the single reported threshold: chosen on all pairs (per-fold ones are in `folds`)
    threshold = bestAccuracyThreshold(test.scored).threshold;
  } else {
    protocol = 'self';
    threshold = bestAccuracyThreshold(test.scored).threshold;
  }

  const confusion = confusionAt(test.scored, threshold);
  const failedGenuine = test.failed.filter((f) => f.same).length;
  const failedImpostor = test.failed.length - failedGenuine;
  const total = o.test.pairs.length;
  const accuracy = folds ? folds.mean : (confusion.tp + confusion.tn) / Math.max(1, total);
  const roc = rocCurve(test.scored);
  const { eer, threshold: eerThreshold } = equalErrorRate(roc);
  const tarAtFar = (o.fars ?? [1e-2, 1e-3]).map((far): TarAtFar => {
    const own = thresholdAtFar(test.scored, far);
    const out: TarAtFar = { far, tar: round(own.tar), threshold: own.threshold };
    if (train) {
      const cal = thresholdAtFar(train.scored, far);
      const onTest = confusionAt(test.scored, cal.threshold);
      out.calibrated = { threshold: cal.threshold, testFar: round(onTest.far), testTar: round(onTest.tar) };
    }
    return out;
  });
  const testEmb = imagesOf(o.test.pairs).map((r) => emb.get(lfwImageKey(r))!);
  const failedImages = testEmb.filter((e) => !e.embedding);
  const computed = [...emb.values()].filter((e) => e.status !== 'error');
  const genuine = test.scored.filter((s) => s.same).map((s) => round(s.distance));
  const impostor = test.scored.filter((s) => !s.same).map((s) => round(s.distance));
  return {
    protocol, modelId: o.modelId, flip: o.flip,
    pairs: { total, genuine: o.test.pairs.filter((p) => p.same).length, impostor: o.test.pairs.filter((p) => !p.same).length, scored: test.scored.length, failed: test.failed.length },
    failures: {
      images: failedImages.length,
      noFace: failedImages.filter((e) => e.status === 'no-face').length,
      error: failedImages.filter((e) => e.status === 'error').length,
      pairs: test.failed.length,
      imageList: failedImages.map((e) => ({ path: e.path, status: e.status, faces: e.faces, ...(e.error ? { error: e.error } : {}) })),
      pairList: test.failed,
    },
    qualityRejected: testEmb.filter((e) => e.embedding && e.qualityPassed === false).length,
    passes: testEmb.filter((e) => e.embedding).reduce<Record<string, number>>((m, e) => { const k = e.pass ?? 'detector'; m[k] = (m[k] ?? 0) + 1; return m; }, {}),
    threshold: round(threshold, 6),
    accuracy: round(accuracy),
    accuracyScoredOnly: round(confusion.accuracy),
    ...(folds ? { folds } : {}),
    ...(trainAccuracy !== undefined ? { trainAccuracy: round(trainAccuracy) } : {}),
    confusion,
    confusionStrict: { tp: confusion.tp, fn: confusion.fn + failedGenuine, fp: confusion.fp + failedImpostor, tn: confusion.tn },
    auc: round(rocAuc(roc)),
    eer: round(eer),
    eerThreshold: round(eerThreshold),
    tarAtFar,
    distances: { genuineMedian: round(median(genuine)), impostorMedian: round(median(impostor)), genuine, impostor },
    roc: thinRoc(roc, 400),
    timing: {
      images: emb.size,
      computed: [...emb.values()].filter((e) => !e.cached).length,
      fromCache: [...emb.values()].filter((e) => e.cached).length,
      msPerImage: round(computed.reduce((a, e) => a + e.ms, 0) / Math.max(1, computed.length), 1),
      wallSeconds: round((performance.now() - t0) / 1000, 2),
    },
    wrongPairs: test.scored
      .filter((s) => (s.distance <= threshold) !== s.same)
      .map((s) => ({ line: s.pair.line, a: `${s.pair.a.name}_${s.pair.a.index}`, b: `${s.pair.b.name}_${s.pair.b.index}`, same: s.same, distance: round(s.distance) })),
  };
}

/** At most ~n ROC points (always keeping the ends), enough to draw the curve. */
function thinRoc(roc: RocPoint[], n: number): RocPoint[] {
  if (roc.length <= n) return roc.map((p) => ({ threshold: round(p.threshold), far: round(p.far), tar: round(p.tar) }));
  const step = (roc.length - 1) / (n - 1);
  return Array.from({ length: n }, (_, i) => roc[Math.round(i * step)]!).map((p) => ({ threshold: round(p.threshold), far: round(p.far), tar: round(p.tar) }));
}
