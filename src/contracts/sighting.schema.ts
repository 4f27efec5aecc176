import { z } from 'zod';

/**
 * What the tracker reports about one track's sighting (the hub's sighting service stores it
 * as a Sighting): one update per track: emitted as `confirmed` once the track has enough frames and as
 * `closed` (final) when the track ends. Same id in both.
 */
export const sightingUpdateSchema = z.strictObject({
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
  /**
   * The track's best embedded faces (at most 3, best quality first): kept with the sighting so a
   * correction ("not this person", "this is X") can use them as evidence. In-process only: never
   * published.
   */
  faces: z.array(z.strictObject({
    embedding: z.array(z.number()),
    confirmEmbedding: z.array(z.number()).optional(),
    personId: z.string().nullable(),
    quality: z.number(),
  })).optional(),
});
export type SightingUpdate = z.infer<typeof sightingUpdateSchema>;

/**
 * A stored sighting: one track of a face on a camera, written once by the hub's sighting
 * service, searched by the API, shown on the dashboard, sent in alerts.
 */
export interface Sighting {
  id: number;
  cameraId: string;
  /** null = unknown (no enrolled person within the threshold). */
  personId: string | null;
  /** What was shown: the person's name at the time, or 'unknown'. */
  label: string;
  firstSeen: string;
  lastSeen: string;
  maxScore: number;
  meanScore: number;
  bestDistance: number | null;
  frames: number;
  /** Best crop of the track, relative to the data directory. */
  cropPath: string | null;
  trackId: string | null;
  metadata: Record<string, unknown>;
}
