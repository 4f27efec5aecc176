import { iou, type Box } from '../common/geometry.js';
import { appearanceSimilarity } from '../common/signature-distance.js';

export interface ConfirmBudgetOptions {
  /** A face at a place where the confirmer ran within this many ms (camera time) is not confirmed again; 0 = confirm every face. */
  windowMs: number;
  /** IoU above which a face box is at the place of a confirmed face. */
  iou: number;
  /** The face's appearance signature must correlate at least this much with the confirmed face's (someone else stepped in otherwise). */
  minAppearance: number;
}

interface Entry { box: Box; at: number; appearance: ArrayLike<number> | undefined }

/**
 * Two witnesses on a tighter budget: the confirming model (faceres, ~3x ResNet-34's cost) runs
 * at most once per place of a camera per window. A face the proposer could name, at the place
 * (box overlap, same appearance) of a face confirmed less than windowMs ago, is *not* confirmed:
 * the worker marks it `confirmSkipped` and the hub counts it as no vote at all, neither for the
 * person nor as unknown. So skipping never names anybody; it only costs a track the votes of
 * those faces (the confirmed ones before and after still vote, and still split a track between
 * look-alikes). State is per camera and in this process's memory, like the embedding budget's.
 */
export class ConfirmBudget {
  private readonly cameras = new Map<string, Entry[]>();

  constructor(private readonly options: ConfirmBudgetOptions) {}

  /** Decide per face (in order) whether to confirm it now; records the ones chosen. `at`: the frame's capture time. */
  select(cameraId: string, at: number, faces: readonly { box: Box; appearance?: ArrayLike<number> | undefined }[]): boolean[] {
    const { windowMs, minAppearance } = this.options;
    if (windowMs <= 0) return faces.map(() => true);
    const entries = (this.cameras.get(cameraId) ?? []).filter((e) => Math.abs(at - e.at) < windowMs);
    const used = new Set<Entry>();
    const decisions = faces.map((f) => {
      let best: Entry | undefined;
      let bestIou = this.options.iou;
      for (const e of entries) {
        if (used.has(e)) continue;
        const o = iou(e.box, f.box);
        if (o < bestIou) continue;
        // without both signatures nothing says it is the same face: confirm
        if (!f.appearance || !e.appearance || appearanceSimilarity(f.appearance, e.appearance) < minAppearance) continue;
        best = e; bestIou = o;
      }
      if (best) {
        used.add(best);
        best.box = f.box; // follow the face; the window still runs from its confirmation
        return false;
      }
      const e: Entry = { box: f.box, at, appearance: f.appearance };
      entries.push(e);
      used.add(e);
      return true;
    });
    if (entries.length) this.cameras.set(cameraId, entries);
    else this.cameras.delete(cameraId);
    return decisions;
  }
}
