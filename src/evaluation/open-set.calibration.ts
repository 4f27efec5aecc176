/**
 * Open-set identification is not 1:1 verification: with a gallery of N people, a stranger is
 * named when ANY enrolled person falls under the threshold, so a threshold chosen on 1:1 pairs
 * names far more strangers (and look-alike relatives) than its pair FAR suggests. This module
 * chooses the identification decision on a gallery — name the nearest person only when its
 * distance is at most `threshold` AND the second-nearest person is at least `minMargin` farther —
 * for a target false-positive identification rate (FPIR), and reports both error rates.
 */

/** One probe searched against the gallery: its people ranked by distance (nearest first). */
export interface OpenSetProbe {
  /** The probe's true person. */
  person: string;
  /** The person is enrolled (a mated search); otherwise a stranger (non-mated). */
  enrolled: boolean;
  ranked: readonly { person: string; distance: number }[];
}

export interface OpenSetDecision { threshold: number; minMargin: number }

export interface OpenSetRates extends OpenSetDecision {
  /** Strangers named as someone (non-mated searches returning a name). */
  fpir: number;
  /** Enrolled people not named as themselves (missed or named as someone else). */
  fnir: number;
  /** Enrolled people named as someone else: a wrong name (also inside fnir). */
  wrongName: number;
  strangers: number;
  mated: number;
}

/** The name this decision gives a probe (null = unknown). */
export function decide(ranked: OpenSetProbe['ranked'], d: OpenSetDecision): string | null {
  const [first, second] = ranked;
  if (!first || first.distance > d.threshold) return null;
  if (second && second.distance - first.distance < d.minMargin) return null;
  return first.person;
}

/** FPIR, FNIR and wrong names of one decision on a probe set. */
export function openSetRates(probes: readonly OpenSetProbe[], d: OpenSetDecision): OpenSetRates {
  let fp = 0, fn = 0, wrong = 0, strangers = 0, mated = 0;
  for (const p of probes) {
    const name = decide(p.ranked, d);
    if (!p.enrolled) { strangers++; if (name !== null) fp++; continue; }
    mated++;
    if (name !== p.person) { fn++; if (name !== null) wrong++; }
  }
  return { ...d, fpir: fp / Math.max(1, strangers), fnir: fn / Math.max(1, mated), wrongName: wrong / Math.max(1, mated), strangers, mated };
}

export const defaultMargins = [0, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05] as const;

/**
 * The decision with the lowest FNIR among those whose FPIR is at most `targetFpir` (ties: the
 * stricter, i.e. smaller threshold then larger margin). Candidate thresholds are the midpoints
 * between consecutive observed nearest distances, so the choice does not sit on a sample.
 */
export function calibrateOpenSet(probes: readonly OpenSetProbe[], targetFpir: number, margins: readonly number[] = defaultMargins): OpenSetRates {
  const nearest = [...new Set(probes.flatMap((p) => (p.ranked[0] ? [p.ranked[0].distance] : [])))].sort((a, b) => a - b);
  const thresholds = [0, ...nearest.slice(1).map((d, i) => (d + nearest[i]!) / 2), ...(nearest.length ? [nearest[nearest.length - 1]! + 1e-6] : [])];
  let best: OpenSetRates | undefined;
  for (const minMargin of margins) {
    for (const threshold of thresholds) {
      const r = openSetRates(probes, { threshold: Math.floor(threshold * 1e6) / 1e6, minMargin });
      if (r.fpir > targetFpir) continue;
      if (!best || r.fnir < best.fnir - 1e-12 || (Math.abs(r.fnir - best.fnir) <= 1e-12 && (r.wrongName < best.wrongName || (r.wrongName === best.wrongName && r.threshold < best.threshold)))) best = r;
    }
  }
  return best ?? openSetRates(probes, { threshold: 0, minMargin: margins[margins.length - 1] ?? 0 });
}
