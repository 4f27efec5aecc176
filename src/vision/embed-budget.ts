import { iou, type Box } from '../common/geometry.js';
import { appearanceSimilarity } from '../common/signature-distance.js';

export interface EmbedBudgetOptions {
  /** IoU above which a face box matches a recently embedded box. */
  iou: number;
  /** Re-embed a matched face after this many camera frames anyway. */
  everyFrames: number;
  /** Re-embed a matched face when its quality score improved by this fraction. */
  qualityGain: number;
  /** Re-embed a matched face whose appearance signature correlates less than this with the face last embedded there (someone else stepped in); default off. */
  minAppearance?: number;
}

interface Entry { box: Box; seq: number; quality: number; lastSeq: number; appearance?: ArrayLike<number> }

/** Size x sharpness: bigger and sharper faces embed better. */
export const faceQualityScore = (q: { size: number; sharpness: number }): number => q.size * Math.sqrt(Math.max(0, q.sharpness));

/**
 * The embedding budget of one vision worker process. The worker always detects; it embeds a
 * face only when its box matches no recently embedded box of the same camera, or its quality
 * improved, or everyFrames camera frames passed since that box was embedded, or the face there no longer
 * looks like the one embedded (another person stepped into the same place). State is per
 * camera and in this process's memory: with several workers each sees only its share of a
 * camera's frames, so the saving shrinks as workers are added (never wrong, only less thrifty).
 */
export class EmbedBudget {
  private readonly cameras = new Map<string, Entry[]>();

  constructor(private readonly options: EmbedBudgetOptions) {}

  /** Decide per face (in order) whether to embed; updates the state as if the chosen ones were embedded. */
  select(cameraId: string, seq: number, faces: readonly { box: Box; quality: { size: number; sharpness: number }; appearance?: ArrayLike<number> }[]): boolean[] {
    const { everyFrames } = this.options;
    // entries not seen for a while belong to people who left
    const entries = (this.cameras.get(cameraId) ?? []).filter((e) => Math.abs(seq - e.lastSeq) <= 2 * everyFrames);
    const used = new Set<Entry>();
    const decisions = faces.map((f) => {
      const q = faceQualityScore(f.quality);
      let best: Entry | undefined;
      let bestIou = this.options.iou;
      for (const e of entries) {
        if (used.has(e)) continue;
        const o = iou(e.box, f.box);
        if (o >= bestIou) { best = e; bestIou = o; }
      }
      if (!best) {
        const e: Entry = { box: f.box, seq, quality: q, lastSeq: seq, appearance: f.appearance };
        entries.push(e);
        used.add(e);
        return true;
      }
      used.add(best);
      best.box = f.box;
      best.lastSeq = Math.max(best.lastSeq, seq);
      const { minAppearance } = this.options;
      const changed = minAppearance !== undefined && f.appearance !== undefined && best.appearance !== undefined
        && appearanceSimilarity(f.appearance, best.appearance) < minAppearance;
      const due = changed || Math.abs(seq - best.seq) >= everyFrames || q > best.quality * (1 + this.options.qualityGain);
      if (due) { best.seq = seq; best.quality = q; best.appearance = f.appearance; }
      return due;
    });
    this.cameras.set(cameraId, entries);
    return decisions;
  }
}
