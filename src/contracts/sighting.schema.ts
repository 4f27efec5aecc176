import { z } from 'zod';

/**
 * One sighting per track: emitted as `confirmed` once the track has enough frames and as
 * `closed` (final) when the track ends. Same id in both.
 */
export const sightingSchema = z.strictObject({
  version: z.literal(1),
  id: z.string(),
  status: z.enum(['confirmed', 'closed']),
  cameraId: z.string(),
  trackId: z.string(),
  personId: z.string().nullable(),
  name: z.string().nullable(),
  /** Stable stranger number for unknown tracks (same number when the same stranger returns). */
  unknownId: z.number().int().nullable(),
  /** "Lin-Manuel Miranda" or "unknown #17". */
  label: z.string(),
  /** Best-quality face crop (JPEG, base64). */
  crop: z.string().nullable(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  /** Similarity (1 - cosine distance) to the voted person: best and mean over the frames that voted for them. */
  maxScore: z.number().nullable(),
  meanScore: z.number().nullable(),
  frames: z.number().int(),
  /** Frames with an embedding (identity votes). */
  embeddedFrames: z.number().int(),
});
export type Sighting = z.infer<typeof sightingSchema>;
