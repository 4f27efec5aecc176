import { iou, type Box } from '../common/geometry.js';
import { appearanceSimilarity } from './appearance.js';

interface Remembered { box: Box; appearance: ArrayLike<number>; confirm: Float32Array; at: number }

/** A face as the vision worker sees it: its box and appearance signature. */
export interface SeenFace { box: Box; appearance?: ArrayLike<number> | undefined }

/**
 * Two witnesses at a lower cost: the confirming embedding of a face, remembered per camera for a
 * moment, serves the face that continues it in the next frames, under the tracker's carry rules
 * (box overlap and appearance signature, a short gap). The face's own proposer embedding still
 * decides; only the confirmer's view is the one of the same face moments earlier. Live embeddings
 * of one face move 0.03-0.06 between frames (as far as relatives are apart), so "the same face"
 * cannot be told from the embedding.
 */
export class ConfirmMemory {
  private readonly byCamera = new Map<string, Remembered[]>();

  constructor(private readonly options: { maxAgeMs: number; minIou: number; minAppearance: number }, private readonly perCamera = 32) {}

  /** The remembered confirming embedding of the face this one continues, or undefined (then run the confirmer). */
  reuse(cameraId: string, face: SeenFace, at: number): Float32Array | undefined {
    if (this.options.maxAgeMs <= 0 || !face.appearance) return undefined;
    let best: Remembered | undefined, bestIou = 0;
    for (const r of this.prune(cameraId, at)) {
      const o = iou(r.box, face.box);
      if (o < this.options.minIou || o <= bestIou) continue;
      if (appearanceSimilarity(r.appearance, face.appearance) < this.options.minAppearance) continue;
      best = r; bestIou = o;
    }
    return best?.confirm;
  }

  remember(cameraId: string, face: SeenFace, confirm: Float32Array, at: number): void {
    if (this.options.maxAgeMs <= 0 || !face.appearance) return;
    const list = this.prune(cameraId, at);
    // the newest confirmation of a place replaces the older one there
    const same = list.findIndex((r) => iou(r.box, face.box) >= this.options.minIou);
    if (same >= 0) list.splice(same, 1);
    list.push({ box: face.box, appearance: face.appearance, confirm, at });
    if (list.length > this.perCamera) list.splice(0, list.length - this.perCamera);
  }

  private prune(cameraId: string, now: number): Remembered[] {
    let list = this.byCamera.get(cameraId);
    if (!list) { list = []; this.byCamera.set(cameraId, list); }
    const kept = list.filter((r) => Math.abs(now - r.at) <= this.options.maxAgeMs);
    if (kept.length !== list.length) { list.length = 0; list.push(...kept); }
    return list;
  }
}
