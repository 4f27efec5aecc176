import { iou, type Box } from '../common/geometry.js';

export interface ConfirmBudgetOptions {
  /** A face that continues a face confirmed less than this many ms ago (camera time) is not confirmed again; 0 = confirm every face. */
  windowMs: number;
  /** IoU above which a face box continues a face of the camera's previous frames. */
  iou: number;
  /** A face unseen for longer than this ends its chain (default 1000 ms). */
  maxGapMs?: number;
}

/** One face followed from frame to frame: where and how it was last seen, and when the confirmer last ran on it. */
interface Chain { box: Box; lastAt: number; confirmedAt: number | undefined }

export interface ConfirmCandidate {
  box: Box;
  /** The proposer could name this face (it was embedded, within its threshold of some sample). */
  nameable: boolean;
}

/**
 * Two witnesses on a tighter budget: the confirming model (faceres, ~3x ResNet-34's cost) runs at
 * most once per windowMs on one face followed continuously through a camera's frames. Every
 * detected face of every frame extends a chain when its box overlaps the chain's last box, with
 * no gap over maxGapMs; a long gap or a jump starts a new chain, which is confirmed at its first
 * nameable face. A nameable face on a chain confirmed less than windowMs ago is *not* confirmed:
 * the worker marks it `confirmSkipped` and the hub counts it as no vote at all, neither for the
 * person nor as unknown. So skipping never names anybody; it only costs a track the votes of those
 * faces, and someone who steps into the exact place of a confirmed face waits up to windowMs for
 * their own confirmation. (The appearance signature is not used here: a moving, turning face
 * correlates 0.2-0.9 with its previous frame at 5 fps, so it broke the chains of the very faces
 * that cost most.) State is per camera and in this process's memory, like the embedding budget's:
 * with several workers each sees only its share of a camera's frames, so chains break more often
 * (less thrifty, never wrong).
 */
export class ConfirmBudget {
  private readonly cameras = new Map<string, Chain[]>();

  constructor(private readonly options: ConfirmBudgetOptions) {}

  /**
   * Feed one frame's detected faces (all of them, embedded or not: they keep the chains going);
   * returns per face whether to run the confirmer on it now (never for a face that is not nameable).
   * `at`: the frame's capture time.
   */
  select(cameraId: string, at: number, faces: readonly ConfirmCandidate[]): boolean[] {
    const { windowMs } = this.options;
    if (windowMs <= 0) return faces.map((f) => f.nameable);
    const maxGapMs = this.options.maxGapMs ?? 1000;
    const chains = (this.cameras.get(cameraId) ?? []).filter((c) => Math.abs(at - c.lastAt) <= maxGapMs);
    const used = new Set<Chain>();
    const decisions = faces.map((f) => {
      let best: Chain | undefined;
      let bestIou = this.options.iou;
      for (const c of chains) {
        if (used.has(c)) continue;
        const o = iou(c.box, f.box);
        if (o < bestIou) continue;
        best = c; bestIou = o;
      }
      const chain = best ?? { box: f.box, lastAt: at, confirmedAt: undefined };
      if (!best) chains.push(chain);
      used.add(chain);
      chain.box = f.box;
      chain.lastAt = Math.max(chain.lastAt, at);
      if (!f.nameable) return false;
      if (chain.confirmedAt !== undefined && Math.abs(at - chain.confirmedAt) < windowMs) return false;
      chain.confirmedAt = at;
      return true;
    });
    if (chains.length) this.cameras.set(cameraId, chains);
    else this.cameras.delete(cameraId);
    return decisions;
  }
}
