import { cosineDistance } from '../common/vectors.js';

interface Remembered { embedding: Float32Array; confirm: Float32Array; at: number }

/**
 * Two witnesses at a lower cost: the confirming embedding of a face, remembered per camera for a
 * few seconds, serves the same face in the next frames. "The same face" is strict: its proposer
 * embedding within `maxDistance` of the remembered one (0.015 by default: closer than any two
 * different people of LFW DevTrain came, 0.029), so a relative stepping into the same place gets
 * a confirming embedding of their own.
 */
export class ConfirmMemory {
  private readonly byCamera = new Map<string, Remembered[]>();

  constructor(private readonly maxDistance: number, private readonly maxAgeMs: number, private readonly perCamera = 32) {}

  /** A remembered confirming embedding of this face, or undefined (then run the confirmer). */
  reuse(cameraId: string, embedding: Float32Array, at: number): Float32Array | undefined {
    if (this.maxDistance <= 0) return undefined;
    const list = this.prune(cameraId, at);
    let best: Remembered | undefined, bestD = Infinity;
    for (const r of list) {
      if (r.embedding.length !== embedding.length) continue;
      const d = cosineDistance(embedding, r.embedding);
      if (d <= this.maxDistance && d < bestD) { best = r; bestD = d; }
    }
    return best?.confirm;
  }

  remember(cameraId: string, embedding: Float32Array, confirm: Float32Array, at: number): void {
    if (this.maxDistance <= 0) return;
    const list = this.prune(cameraId, at);
    list.push({ embedding, confirm, at });
    if (list.length > this.perCamera) list.splice(0, list.length - this.perCamera);
  }

  private prune(cameraId: string, now: number): Remembered[] {
    let list = this.byCamera.get(cameraId);
    if (!list) { list = []; this.byCamera.set(cameraId, list); }
    // frames arrive nearly in order; an entry from the future (reordered frames) is kept
    const kept = list.filter((r) => now - r.at <= this.maxAgeMs);
    if (kept.length !== list.length) { list.length = 0; list.push(...kept); }
    return list;
  }
}
