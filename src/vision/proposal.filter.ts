import { systemClock, type Clock } from '../common/clock.js';

/** Where the gallery's proposer vectors come from (queue/proposal-vectors.store.ts in the roles). */
export interface ProposalVectorsSource {
  revision(): Promise<string | null>;
  vectors(): Promise<{ dim: number; data: Float32Array } | null>;
}

/**
 * Two witnesses on a budget: the confirming model runs only on faces the proposer could name,
 * i.e. within its open-set threshold of some enrolled sample (the hub's decision adds the margins
 * and evidence later). Vectors are refreshed at most every `pollMs`; until the first read (or
 * when nothing is published) every embedded face is confirmed: slower, never wrong.
 */
export class ProposalFilter {
  private snapshot: { revision: string; dim: number; data: Float32Array } | null = null;
  private checkedAt = -Infinity;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly source: ProposalVectorsSource, private readonly threshold: number, private readonly pollMs = 2000, private readonly clock: Clock = systemClock) {}

  /** Re-read the vectors when the gallery changed (at most every pollMs). Never throws: a failed read keeps the last snapshot. */
  refresh(): Promise<void> {
    if (this.clock.now() - this.checkedAt < this.pollMs) return Promise.resolve();
    this.refreshing ??= (async () => {
      try {
        this.checkedAt = this.clock.now();
        const revision = await this.source.revision();
        if (revision === null) { this.snapshot = null; return; }
        if (this.snapshot?.revision === revision) return;
        const v = await this.source.vectors();
        this.snapshot = v ? { revision, ...v } : null;
      } catch {
        // Redis away: keep what we have (or confirm everything)
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Vectors currently known (null: none published yet). */
  get size(): number | null { return this.snapshot ? this.snapshot.data.length / this.snapshot.dim : null; }

  /** Could the proposer name this face? (L2-normalised embeddings: cosine distance = 1 - dot.) */
  wouldName(embedding: Float32Array): boolean {
    const s = this.snapshot;
    if (!s || s.dim !== embedding.length) return true;
    const minDot = 1 - this.threshold;
    for (let off = 0; off < s.data.length; off += s.dim) {
      let dot = 0;
      for (let k = 0; k < s.dim; k++) dot += embedding[k]! * s.data[off + k]!;
      if (dot >= minDot) return true;
    }
    return false;
  }
}
