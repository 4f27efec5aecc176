import { cosineDistance, l2normalize } from '../common/vectors.js';

/** One named sighting as a point: the mean of its kept faces' embeddings. */
export interface SightingPoint { sightingId: number; embedding: Float32Array }

/** A person's sightings split into two well-separated groups: the smaller one is likely someone else. */
export interface ReviewSplit {
  /** The larger group (the person as enrolled, presumably). */
  main: number[];
  /** The outlying group: a likely unenrolled relative named as this person. */
  outlying: number[];
  /** Cosine distance between the two groups' centres. */
  separation: number;
  /** Mean distance of the sightings to their own group's centre. */
  spread: number;
}

const centre = (vs: readonly Float32Array[]): Float32Array => {
  const m = new Float32Array(vs[0]!.length);
  for (const v of vs) for (let i = 0; i < m.length; i++) m[i]! += v[i]!;
  return l2normalize(m);
};

/**
 * Two-means over a person's named sightings (seeded with the farthest pair). Flags a split when
 * the groups' centres are at least `minSeparation` apart (the proposer's open-set threshold:
 * farther than a name is given at), more than twice the groups' own spread, and the smaller group
 * has at least `minGroup` sightings. A heuristic for review, never an automatic relabel.
 */
export function reviewSplit(points: readonly SightingPoint[], minSeparation: number, minGroup = 2): ReviewSplit | null {
  if (points.length < 2 * minGroup) return null;
  let a = 0, b = 1, far = -1;
  for (let i = 0; i < points.length; i++) for (let j = i + 1; j < points.length; j++) {
    const d = cosineDistance(points[i]!.embedding, points[j]!.embedding);
    if (d > far) { far = d; a = i; b = j; }
  }
  let ca = points[a]!.embedding, cb = points[b]!.embedding;
  let assign: boolean[] = [];
  for (let it = 0; it < 10; it++) {
    const next = points.map((p) => cosineDistance(p.embedding, ca) <= cosineDistance(p.embedding, cb));
    if (next.every((x, i) => x === assign[i])) break;
    assign = next;
    const ga = points.filter((_, i) => assign[i]).map((p) => p.embedding), gb = points.filter((_, i) => !assign[i]).map((p) => p.embedding);
    if (!ga.length || !gb.length) return null;
    ca = centre(ga); cb = centre(gb);
  }
  const groupA = points.filter((_, i) => assign[i]), groupB = points.filter((_, i) => !assign[i]);
  const [main, outlying] = groupA.length >= groupB.length ? [groupA, groupB] : [groupB, groupA];
  if (outlying.length < minGroup) return null;
  const separation = cosineDistance(ca, cb);
  const spread = points.reduce((s, p, i) => s + cosineDistance(p.embedding, assign[i] ? ca : cb), 0) / points.length;
  if (separation < minSeparation || separation < 2 * spread) return null;
  return { main: main.map((p) => p.sightingId), outlying: outlying.map((p) => p.sightingId), separation: Math.round(separation * 1e6) / 1e6, spread: Math.round(spread * 1e6) / 1e6 };
}

/** What the people page shows: each look-alike pair (by name) and each person whose sightings split. */
export interface GalleryReview {
  lookalikes: { a: { id: string; name: string }; b: { id: string; name: string }; distance: number }[];
  splits: ({ personId: string; name: string } & ReviewSplit)[];
}

export interface GalleryReviewDeps {
  people: { find(id: string): { id: string; name: string } | undefined; ids(): string[] };
  lookalikePairs(): { a: string; b: string; distance: number }[];
  recentSightingVectors(personId: string): { sightingId: number; embeddings: Float32Array[] }[];
  /** The proposer's open-set threshold: groups farther apart than a name is given at. */
  minSeparation: number;
}

/** The gallery's look-alike pairs, by name. */
export function namedLookalikes(deps: Pick<GalleryReviewDeps, 'people' | 'lookalikePairs'>): GalleryReview['lookalikes'] {
  const nameOf = (id: string) => ({ id, name: deps.people.find(id)?.name ?? id });
  return deps.lookalikePairs().map((p) => ({ a: nameOf(p.a), b: nameOf(p.b), distance: Math.round(p.distance * 1e6) / 1e6 }));
}

export function galleryReview(deps: GalleryReviewDeps): GalleryReview {
  const splits: GalleryReview['splits'] = [];
  for (const id of deps.people.ids()) {
    const points = deps.recentSightingVectors(id).map((s) => ({ sightingId: s.sightingId, embedding: centre(s.embeddings) }));
    const split = reviewSplit(points, deps.minSeparation);
    if (split) splits.push({ personId: id, name: deps.people.find(id)?.name ?? id, ...split });
  }
  return { lookalikes: namedLookalikes(deps), splits };
}
