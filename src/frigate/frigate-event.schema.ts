import { z } from 'zod';

/**
 * Frigate's `<prefix>/events` message (docs.frigate.video/integrations/mqtt, read for 0.14 to
 * 0.17): `{ type: new | update | end, before, after }`, `after` being the tracked object now.
 * Only the fields facestream reads are checked; Frigate adds fields between versions, so unknown
 * keys pass (a loose object, not the project's usual strict one: the producer is not ours).
 *
 * Snapshot of the object: 0.14 sends `snapshot_time`; later versions an object
 * `snapshot: { frame_time, box, area, region, score, attributes }`. Either (or none) is accepted.
 */

/** Frigate event ids are `<epoch seconds>.<micros>-<random>`; anything else never reaches a URL path. */
export const frigateEventIdPattern = /^[A-Za-z0-9._-]{1,100}$/;
/** Frigate camera names (its config validates the same characters). */
export const frigateCameraPattern = /^[A-Za-z0-9_-]{1,64}$/;

const nullableNumber = z.number().nullable().optional();

export const frigateObjectSchema = z.looseObject({
  id: z.string().regex(frigateEventIdPattern),
  camera: z.string().min(1).max(200),
  label: z.string().max(200),
  /** [name, score] (0.14+), a plain name in older versions, or null. */
  sub_label: z.union([z.tuple([z.string(), z.number().nullable()]).rest(z.unknown()), z.string(), z.null()]).optional(),
  frame_time: nullableNumber,
  snapshot_time: nullableNumber,
  snapshot: z.looseObject({ frame_time: nullableNumber, score: nullableNumber }).nullable().optional(),
  top_score: nullableNumber,
  score: nullableNumber,
  false_positive: z.boolean().nullable().optional(),
  start_time: nullableNumber,
  end_time: nullableNumber,
  has_snapshot: z.boolean().nullable().optional(),
  current_zones: z.array(z.string()).optional(),
});
export type FrigateObject = z.infer<typeof frigateObjectSchema>;

export const frigateEventMessageSchema = z.looseObject({
  type: z.enum(['new', 'update', 'end']),
  before: z.unknown().optional(),
  after: frigateObjectSchema,
});
export type FrigateEventMessage = z.infer<typeof frigateEventMessageSchema>;

/** Which snapshot Frigate holds for the object now: its frame time (seconds) and detection score. */
export interface SnapshotMark {
  /** Changes exactly when Frigate picked a better snapshot; null when the message tells nothing. */
  key: string | null;
  frameTime: number | null;
  score: number | null;
}

/**
 * The object's current snapshot. Frigate publishes `update` for a better snapshot and for zone
 * changes alike: only a new snapshot frame time (or, from a version that sends none, a higher top
 * score) is a better snapshot worth a fetch.
 */
export function snapshotMark(o: FrigateObject): SnapshotMark {
  const frameTime = o.snapshot?.frame_time ?? o.snapshot_time ?? null;
  const score = o.snapshot?.score ?? o.top_score ?? null;
  if (frameTime !== null) return { key: `t${frameTime}`, frameTime, score };
  return { key: score !== null ? `s${score}` : null, frameTime: null, score };
}

/** The sub_label Frigate shows for the object (whoever set it), or null. */
export function subLabelOf(o: FrigateObject): string | null {
  const s = o.sub_label;
  if (s === undefined || s === null) return null;
  return typeof s === 'string' ? s : s[0];
}
