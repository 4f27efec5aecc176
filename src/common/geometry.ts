/** Box geometry shared by vision (detection), track (association) and the live preview. */

export interface Box { x: number; y: number; width: number; height: number }

/** A scored box (detector hit). */
export interface ScoredBox { box: Box; score: number }

export const iou = (a: Box, b: Box): number => {
  const x1 = Math.max(a.x, b.x), y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width), y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
};

/** Greedy non-maximum suppression: highest score first, drop boxes overlapping a kept one above `threshold`. */
export function nms<T extends ScoredBox>(dets: readonly T[], threshold: number): T[] {
  const sorted = [...dets].sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  for (const d of sorted) if (kept.every((k) => iou(k.box, d.box) <= threshold)) kept.push(d);
  return kept;
}

/** Intersect a box with the image; null when nothing is left. */
export function clipBox(b: Box, width: number, height: number): Box | null {
  const x1 = Math.max(0, b.x), y1 = Math.max(0, b.y);
  const x2 = Math.min(width, b.x + b.width), y2 = Math.min(height, b.y + b.height);
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : null;
}
