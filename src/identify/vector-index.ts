/** One neighbour: the label it was added with and its cosine distance to the query. */
export interface VectorHit { label: number; distance: number }

/**
 * Nearest-neighbour search over L2-normalised embeddings, by cosine distance. Labels are
 * non-negative integers chosen by the caller (face sample ids).
 */
export interface VectorIndex {
  readonly dim: number;
  /** Live (not deleted) vectors. */
  readonly size: number;
  add(label: number, vector: ArrayLike<number>): void;
  /** false when the label was not in the index. */
  remove(label: number): boolean;
  has(label: number): boolean;
  /** Up to k nearest live vectors, nearest first. */
  search(vector: ArrayLike<number>, k: number): VectorHit[];
}
