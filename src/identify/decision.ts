/**
 * The open-set naming rule, as pure functions (the gallery, the benchmarks and the tests share it).
 *
 * One *witness* is one embedding model's opinion: its enrolled people ranked by distance, plus the
 * nearest piece of correction evidence (faces the user said are NOT some person: together they act
 * as an anonymous identity, "someone who is not P", that competes in the search like a person).
 * A witness names its nearest person only when
 *  - the distance is at most its open-set threshold,
 *  - the runner-up person is at least `minMargin` farther, or `lookalikeMargin` when the two are a
 *    known look-alike pair (relatives: the stricter margin of the pair),
 *  - the nearest correction evidence is at least `minMargin` farther too (a face close to faces
 *    the user rejected is not named).
 * Two witnesses: the proposer (ResNet-34, dlib's data) names, the confirmer (faceres, VGGFace2)
 * must name the same person under its own rule; anything else stays unknown. The two networks
 * were trained on different data and err on different faces.
 */

export interface WitnessRule {
  /** Open-set threshold (cosine distance). */
  threshold: number;
  /** The runner-up person (and correction evidence) must be at least this much farther. */
  minMargin: number;
  /** The margin when the runner-up is a look-alike of the nearest person (at least minMargin). */
  lookalikeMargin: number;
}

export interface RankedPerson { personId: string; distance: number }

/** One model's view of a face. */
export interface WitnessView {
  /** Enrolled people, nearest first (each aggregated over its samples). */
  ranked: readonly RankedPerson[];
  /** The nearest correction evidence ("not P" faces), if any. */
  evidence?: { notPersonId: string; distance: number } | undefined;
}

export const verdictReasons = ['named', 'empty-gallery', 'no-face', 'over-threshold', 'margin', 'lookalike', 'correction', 'unconfirmed', 'disagree'] as const;
export type VerdictReason = (typeof verdictReasons)[number];

export type Verdict = { personId: string; reason: 'named' } | { personId: null; reason: Exclude<VerdictReason, 'named'> };

/** Whether two people are a known look-alike pair (order does not matter). */
export type LookalikeTest = (a: string, b: string) => boolean;
const never: LookalikeTest = () => false;

/** One witness's verdict. */
export function witnessVerdict(view: WitnessView, rule: WitnessRule, lookalike: LookalikeTest = never): Verdict {
  const [first, second] = view.ranked;
  if (!first) return { personId: null, reason: 'empty-gallery' };
  if (first.distance > rule.threshold) return { personId: null, reason: 'over-threshold' };
  if (second) {
    const pair = lookalike(first.personId, second.personId);
    const margin = pair ? Math.max(rule.minMargin, rule.lookalikeMargin) : rule.minMargin;
    if (second.distance - first.distance < margin) return { personId: null, reason: pair ? 'lookalike' : 'margin' };
  }
  const ev = view.evidence;
  if (ev && ev.distance - first.distance < rule.minMargin) return { personId: null, reason: 'correction' };
  return { personId: first.personId, reason: 'named' };
}

/**
 * Two witnesses: the proposer's verdict, confirmed by the confirmer's on the same face (null = the
 * confirmer has no view of it: its embedding is missing, so nothing is named).
 */
export function twoWitnessVerdict(proposer: WitnessView, confirmer: WitnessView | null, rules: { proposer: WitnessRule; confirmer: WitnessRule }, lookalike: LookalikeTest = never): Verdict {
  const first = witnessVerdict(proposer, rules.proposer, lookalike);
  if (first.personId === null) return first;
  if (!confirmer) return { personId: null, reason: 'unconfirmed' };
  const second = witnessVerdict(confirmer, rules.confirmer, lookalike);
  if (second.personId === null) return second.reason === 'over-threshold' || second.reason === 'empty-gallery' ? { personId: null, reason: 'unconfirmed' } : second;
  return second.personId === first.personId ? first : { personId: null, reason: 'disagree' };
}

/** People ranked by their nearest sample (best aggregation) from per-sample distances. */
export function rankPeople(samples: Iterable<{ personId: string; distance: number }>): RankedPerson[] {
  const best = new Map<string, number>();
  for (const s of samples) {
    const d = best.get(s.personId);
    if (d === undefined || s.distance < d) best.set(s.personId, s.distance);
  }
  return [...best].map(([personId, distance]) => ({ personId, distance })).sort((a, b) => a.distance - b.distance);
}
