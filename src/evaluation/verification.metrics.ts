/**
 * Verification metrics over cosine distances: a pair is accepted ("same person") when its
 * distance is at or below the threshold. Pure functions, no engine: tested on synthetic scores.
 */

export interface ScoredPair {
  distance: number;
  same: boolean;
}

export interface Confusion {
  threshold: number;
  /** genuine pairs accepted */
  tp: number;
  /** genuine pairs rejected */
  fn: number;
  /** impostor pairs accepted */
  fp: number;
  /** impostor pairs rejected */
  tn: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** false accept rate = fp / impostors */
  far: number;
  /** true accept rate = tp / genuine (= recall) */
  tar: number;
}

export interface RocPoint { threshold: number; far: number; tar: number }

const safeDiv = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function confusionAt(scores: readonly ScoredPair[], threshold: number): Confusion {
  let tp = 0, fn = 0, fp = 0, tn = 0;
  for (const s of scores) {
    const accept = s.distance <= threshold;
    if (s.same) { if (accept) tp++; else fn++; } else if (accept) fp++; else tn++;
  }
  const precision = safeDiv(tp, tp + fp), recall = safeDiv(tp, tp + fn);
  return {
    threshold, tp, fn, fp, tn,
    accuracy: safeDiv(tp + tn, scores.length),
    precision, recall, f1: safeDiv(2 * precision * recall, precision + recall),
    far: safeDiv(fp, fp + tn), tar: recall,
  };
}

/** Thresholds worth trying: below every distance, between consecutive distinct ones, above all. */
export function candidateThresholds(scores: readonly ScoredPair[]): number[] {
  const d = [...new Set(scores.map((s) => s.distance))].sort((a, b) => a - b);
  if (d.length === 0) return [0];
  const out = [d[0]! - 1e-6];
  for (let i = 1; i < d.length; i++) out.push((d[i - 1]! + d[i]!) / 2);
  out.push(d[d.length - 1]! + 1e-6);
  return out;
}

/**
 * The threshold with the highest accuracy. When a range of thresholds ties, the middle of
 * the first best contiguous range (not its edge), so a threshold carried to new data sits
 * away from the training pairs that bound it.
 */
export function bestAccuracyThreshold(scores: readonly ScoredPair[]): Confusion {
  const cands = candidateThresholds(scores);
  // one sweep: distances sorted once, counts updated as the threshold passes each distance
  const sorted = [...scores].sort((a, b) => a.distance - b.distance);
  const genuine = scores.filter((s) => s.same).length;
  let tp = 0, fp = 0, k = 0;
  const correct: number[] = [];
  for (const t of cands) {
    while (k < sorted.length && sorted[k]!.distance <= t) { if (sorted[k]!.same) tp++; else fp++; k++; }
    const impostors = scores.length - genuine;
    correct.push(tp + (impostors - fp));
  }
  const best = Math.max(...correct);
  const first = correct.indexOf(best);
  let last = first;
  while (last + 1 < correct.length && correct[last + 1] === best) last++;
  return confusionAt(scores, (cands[first]! + cands[last]!) / 2);
}

/**
 * The largest threshold whose false accept rate on `scores` is at most `far`. The cut sits
 * halfway between the last distance it may accept and the first impostor it must reject,
 * rounded down (never up) to 1e-6 so the value survives being written to YAML.
 */
export function thresholdAtFar(scores: readonly ScoredPair[], far: number): Confusion {
  const impostors = scores.filter((s) => !s.same).map((s) => s.distance).sort((a, b) => a - b);
  if (impostors.length === 0) return confusionAt(scores, Math.max(...scores.map((s) => s.distance), 0) + 1e-6);
  const allowed = Math.floor(far * impostors.length + 1e-9);
  if (allowed >= impostors.length) return confusionAt(scores, impostors[impostors.length - 1]! + 1e-6);
  const firstRejected = impostors[allowed]!;
  let below = -Infinity;
  for (const s of scores) if (s.distance < firstRejected && s.distance > below) below = s.distance;
  const mid = below === -Infinity ? firstRejected - 1e-6 : (below + firstRejected) / 2;
  let t = Math.floor(mid * 1e6) / 1e6;
  if (t >= firstRejected) t = firstRejected - 1e-6;
  return confusionAt(scores, t);
}

/** ROC: one point per candidate threshold, FAR ascending. */
export function rocCurve(scores: readonly ScoredPair[]): RocPoint[] {
  const sorted = [...scores].sort((a, b) => a.distance - b.distance);
  const g = scores.filter((s) => s.same).length, n = scores.length - g;
  const out: RocPoint[] = [{ threshold: (sorted[0]?.distance ?? 0) - 1e-6, far: 0, tar: 0 }];
  let tp = 0, fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]!.same) tp++; else fp++;
    // emit once per distinct distance (ties move together)
    if (i + 1 < sorted.length && sorted[i + 1]!.distance === sorted[i]!.distance) continue;
    out.push({ threshold: sorted[i]!.distance, far: safeDiv(fp, n), tar: safeDiv(tp, g) });
  }
  return out;
}

/** Area under the ROC (trapezoids; ties count half, like the Mann-Whitney statistic). */
export function rocAuc(roc: readonly RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < roc.length; i++) area += (roc[i]!.far - roc[i - 1]!.far) * (roc[i]!.tar + roc[i - 1]!.tar) / 2;
  return area;
}

/** Equal error rate: where FAR = FRR (1 - TAR), linearly interpolated along the ROC. */
export function equalErrorRate(roc: readonly RocPoint[]): { eer: number; threshold: number } {
  for (let i = 1; i < roc.length; i++) {
    const a = roc[i - 1]!, b = roc[i]!;
    const da = a.far - (1 - a.tar), db = b.far - (1 - b.tar);
    if (da <= 0 && db >= 0) {
      const w = db === da ? 0 : -da / (db - da);
      return { eer: a.far + w * (b.far - a.far), threshold: a.threshold + w * (b.threshold - a.threshold) };
    }
  }
  return { eer: 0.5, threshold: NaN };
}

/** True accept rate at a false accept rate, the threshold set on the same scores. */
export const tarAtFar = (scores: readonly ScoredPair[], far: number): { far: number; tar: number; threshold: number; achievedFar: number } => {
  const c = thresholdAtFar(scores, far);
  return { far, tar: c.tar, threshold: c.threshold, achievedFar: c.far };
};

export interface FoldResult { fold: number; threshold: number; accuracy: number; trainAccuracy: number; pairs: number }

export interface KFoldResult {
  folds: FoldResult[];
  mean: number;
  /** Population standard deviation of the fold accuracies (numpy's default, as in the usual LFW scripts). */
  std: number;
}

/**
 * LFW's unrestricted protocol: for each fold, choose the best-accuracy threshold on the other
 * folds, measure accuracy on this one. `correctOf` lets a caller count unscorable pairs
 * (failed detections) as wrong: they are in `total` but not in `scores`.
 */
export function kFoldAccuracy(
  items: readonly (ScoredPair & { fold: number })[],
  folds: number,
  totals?: readonly number[],
): KFoldResult {
  const results: FoldResult[] = [];
  for (let k = 0; k < folds; k++) {
    const train = items.filter((s) => s.fold !== k);
    const test = items.filter((s) => s.fold === k);
    const best = bestAccuracyThreshold(train);
    const c = confusionAt(test, best.threshold);
    const total = totals?.[k] ?? test.length;
    results.push({ fold: k, threshold: best.threshold, accuracy: safeDiv(c.tp + c.tn, total), trainAccuracy: best.accuracy, pairs: total });
  }
  const accs = results.map((r) => r.accuracy);
  const mean = accs.reduce((a, b) => a + b, 0) / Math.max(1, accs.length);
  const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accs.length));
  return { folds: results, mean, std };
}
