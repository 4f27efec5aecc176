import { iou, type Box } from '../common/geometry.js';
import { appearanceSimilarity } from '../common/signature-distance.js';

export interface ConfirmBudgetOptions {
  /** A face that continues a face confirmed less than this many ms ago (camera time) is not confirmed again; 0 = confirm every face. */
  windowMs: number;
  /** IoU above which a face box continues a face of the camera's previous frames. */
  iou: number;
  /** ... and its appearance signature must correlate at least this much with that face's. */
  minAppearance: number;
  /** A face unseen for longer than this ends its chain (default 1000 ms). */
  maxGapMs?: number;
}

/** One face followed from frame to frame: where and how it was last seen, and when the confirmer last ran on it. */
interface Chain { box: Box; appearance: ArrayLike<number>; lastAt: number; confirmedAt: number | undefined }

export interface ConfirmCandidate {
  box: Box;
  appearance?: ArrayLike<number> | undefined;
  /** The proposer could name this face (it was embedded, within its threshold of some sample). */
  nameable: boolean;
}

/**
 * Two witnesses on a tighter budget: the confirming model (faceres, ~3x ResNet-34's cost) runs at
 * most once per windowMs on one face followed continuously through a camera's frames. Every
 * detected face of every frame extends a chain when its box overlaps the chain's last box and it
 * looks like the chain's last face (appearance signature), with no gap over maxGapMs; a person
 * who steps into another's place, a scene cut or a long gap starts a new chain, which is
 * confirmed at its first nameable face. A nameable face on a chain confirmed less than windowMs
 * ago is *not* confirmed: the worker marks it `confirmSkipped` and the hub counts it as no vote at
 * all, neither for the person nor as unknown. So skipping never names anybody; it only costs a
 * track the votes of those faces. State is per camera and in this process's memory, like the
 * embedding budget's: with several workers each sees only its share of a camera's frames, so
 * chains break more often (less thrifty, never wrong).
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
    const { windowMs, minAppearance } = this.options;
    if (windowMs <= 0) return faces.map((f) => f.nameable);
    const maxGapMs = this.options.maxGapMs ?? 1000;
    const chains = (this.cameras.get(cameraId) ?? []).filter((c) => Math.abs(at - c.lastAt) <= maxGapMs);
    const used = new Set<Chain>();
    const decisions = faces.map((f) => {
      // without a signature nothing says it is the same face: confirm, and start nothing
      if (!f.appearance) return f.nameable;
      let best: Chain | undefined;
      let bestIou = this.options.iou;
      for (const c of chains) {
        if (used.has(c)) continue;
        const o = iou(c.box, f.box);
        if (o < bestIou || appearanceSimilarity(f.appearance, c.appearance) < minAppearance) continue;
        best = c; bestIou = o;
      }
      const chain = best ?? { box: f.box, appearance: f.appearance, lastAt: at, confirmedAt: undefined };
      if (!best) chains.push(chain);
      used.add(chain);
      chain.box = f.box;
      chain.appearance = f.appearance;
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
