/** A nearest sample found for a query, already resolved to its person. */
export interface PersonHit { personId: string; distance: number }

/** One person's aggregated distance to the query (contracts/match.ts's candidate adds the name). */
export interface PersonCandidate { personId: string; distance: number; samples: number }

export interface MatchResult {
  /** The matched person, or null = unknown (nobody within the threshold). */
  personId: string | null;
  /** Aggregated cosine distance of the nearest person (null when the gallery is empty). */
  distance: number | null;
  /**
   * The two nearest people are closer together than the ambiguity margin: the name is the
   * best guess, not a confident answer.
   */
  ambiguous: boolean;
  /** Nearest people first (at most the people found in the top-k samples). */
  candidates: PersonCandidate[];
}

export interface MatcherOptions {
  /** Open-set threshold: a cosine distance at or below it is a match. */
  threshold: number;
  /** best = nearest sample; mean = mean distance over the person's samples. */
  aggregation: 'best' | 'mean';
  /** Ambiguous when the second person's distance minus the first's is below this. */
  ambiguityMargin: number;
  /** No name (unknown, ambiguous) when the second person is less than this much farther; default 0. */
  minMargin?: number;
}

/**
 * Open-set identification from the nearest samples: group by person, aggregate, then apply
 * the threshold ("unknown" above it) and the margin rule. `allDistances` (the query's distance
 * to every sample of a person) makes 'mean' exact; without it the mean is over the hits.
 */
export function matchPeople(hits: readonly PersonHit[], options: MatcherOptions, allDistances?: (personId: string) => number[]): MatchResult {
  const byPerson = new Map<string, number[]>();
  for (const h of hits) {
    const list = byPerson.get(h.personId);
    if (list) list.push(h.distance);
    else byPerson.set(h.personId, [h.distance]);
  }
  const candidates: PersonCandidate[] = [...byPerson].map(([personId, ds]) => {
    if (options.aggregation === 'best') return { personId, distance: Math.min(...ds), samples: ds.length };
    const all = allDistances?.(personId) ?? ds;
    return { personId, distance: all.reduce((a, b) => a + b, 0) / all.length, samples: all.length };
  }).sort((a, b) => a.distance - b.distance);
  const best = candidates[0];
  if (!best) return { personId: null, distance: null, ambiguous: false, candidates };
  const within = best.distance <= options.threshold;
  const second = candidates[1];
  const gap = second === undefined ? Infinity : second.distance - best.distance;
  const ambiguous = within && gap < options.ambiguityMargin;
  const matched = within && gap >= (options.minMargin ?? 0);
  return { personId: matched ? best.personId : null, distance: best.distance, ambiguous, candidates };
}
