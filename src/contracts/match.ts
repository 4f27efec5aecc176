/** One enrolled person's aggregated cosine distance to a query embedding. */
export interface MatchCandidate {
  personId: string;
  name: string;
  distance: number;
  /** Samples of the person the distance aggregates. */
  samples: number;
}

/** The gallery's open-set answer for one embedding: a person, or unknown. */
export interface IdentifyMatch {
  /** null = unknown (nobody passed the decision rule). */
  personId: string | null;
  name: string | null;
  /** Aggregated cosine distance to the nearest person (null: empty gallery). */
  distance: number | null;
  /** 1 - distance (higher = more alike); null with distance. */
  score: number | null;
  /** The second-best person was almost as close: the name is a best guess. */
  ambiguous: boolean;
  threshold: number;
  /** Why the face got its name or none (src/identify/decision.ts); absent from older hubs. */
  reason?: string;
  /** Two witnesses: the confirmer's nearest candidate (null: single model, or no confirming view). */
  confirm?: { personId: string; distance: number; threshold: number } | null;
  /** Nearest people first. */
  candidates: MatchCandidate[];
}

/** A match that names a person (what the tracker votes with). */
export type PersonMatch = IdentifyMatch & { personId: string; name: string; distance: number; score: number };

export const isPersonMatch = (m: IdentifyMatch | null | undefined): m is PersonMatch =>
  m != null && m.personId !== null && m.distance !== null;
