import { cosineDistance, l2normalize } from '../common/vectors.js';

interface Cluster { id: number; sum: Float32Array; count: number; centroid: Float32Array }

/**
 * Incremental clustering of unknown faces (leader clustering on L2-normalised embeddings):
 * an embedding joins the nearest cluster within maxDistance of its centroid, else starts a
 * new one. Numbers are stable for the life of the hub, so a returning stranger gets the same
 * "unknown #17" again.
 */
export class UnknownClusterer {
  private readonly clusters: Cluster[] = [];
  private nextId = 1;

  constructor(private readonly maxDistance: number) {}

  /** The cluster number for this embedding (joining or creating a cluster). */
  assign(embedding: Float32Array): number {
    const near = this.nearest(embedding);
    if (near && near.distance <= this.maxDistance) {
      this.add(near.cluster, embedding);
      return near.cluster.id;
    }
    return this.create(embedding);
  }

  /** A number for a stranger seen without a usable embedding (cannot be matched later). */
  anonymous(): number { return this.nextId++; }

  /** Refine a cluster with more evidence of the same stranger. */
  reinforce(id: number, embedding: Float32Array): void {
    const c = this.clusters.find((k) => k.id === id);
    if (c) this.add(c, embedding);
    else this.clusters.push({ id, sum: Float32Array.from(embedding), count: 1, centroid: l2normalize(Float32Array.from(embedding)) });
  }

  get size(): number { return this.clusters.length; }

  private nearest(e: Float32Array): { cluster: Cluster; distance: number } | undefined {
    let best: { cluster: Cluster; distance: number } | undefined;
    for (const c of this.clusters) {
      const d = cosineDistance(c.centroid, e);
      if (!best || d < best.distance) best = { cluster: c, distance: d };
    }
    return best;
  }

  private create(e: Float32Array): number {
    const id = this.nextId++;
    this.clusters.push({ id, sum: Float32Array.from(e), count: 1, centroid: l2normalize(Float32Array.from(e)) });
    return id;
  }

  private add(c: Cluster, e: Float32Array): void {
    for (let i = 0; i < c.sum.length; i++) c.sum[i]! += e[i]!;
    c.count++;
    c.centroid = l2normalize(Float32Array.from(c.sum));
  }
}
