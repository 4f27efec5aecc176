import { z } from 'zod';
import type { Sighting } from '../../contracts/sighting.schema.js';

/**
 * Socket.IO contract between the hub and the dashboard. Every client-to-server message is
 * validated here; server-to-client messages are typed by the same schemas.
 */

/** A sighting as the live feed shows it (numeric store id: what replay and click-through use). */
export const feedSightingSchema = z.strictObject({
  version: z.literal(1),
  id: z.number().int(),
  status: z.enum(['confirmed', 'closed', 'stored']),
  cameraId: z.string(),
  personId: z.string().nullable(),
  label: z.string(),
  unknownId: z.number().int().nullable(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  score: z.number().nullable(),
  frames: z.number().int(),
  /** JPEG base64 of the best crop, when there is one (small: ~112 px). */
  crop: z.string().nullable(),
  /** When the hub stored it (ms epoch): lets the page measure its delay. */
  storedAt: z.number(),
});
export type FeedSighting = z.infer<typeof feedSightingSchema>;

/** A stored sighting as the live feed shows it. */
export const toFeed = (s: Sighting, status: FeedSighting['status'], crop: string | null, storedAt = Date.now()): FeedSighting => ({
  version: 1, id: s.id, status, cameraId: s.cameraId, personId: s.personId, label: s.label,
  unknownId: typeof s.metadata.unknownId === 'number' ? s.metadata.unknownId : null,
  firstSeen: s.firstSeen, lastSeen: s.lastSeen, score: s.personId && s.bestDistance !== null ? s.maxScore : null, frames: s.frames, crop, storedAt,
});

export const resyncRequestSchema = z.strictObject({
  version: z.literal(1),
  /** The newest sighting id the page has; null = none (first connect). */
  lastSightingId: z.number().int().min(0).nullable(),
});

export const notThisPersonSchema = z.strictObject({
  version: z.literal(1),
  sightingId: z.number().int().positive(),
  /** Also remove this sample of the person (the one that caused the wrong match). */
  removeSampleId: z.number().int().positive().optional(),
});

export const ignoreClusterSchema = z.strictObject({
  version: z.literal(1),
  clusterKey: z.string().min(1).max(200),
});

export const previewFaceSchema = z.strictObject({
  box: z.strictObject({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
  label: z.string(),
  known: z.boolean(),
  /** known: named by evidence; unknown: embedded, matched nobody; unverified: tracked, no name earned. */
  state: z.enum(['known', 'unknown', 'unverified']),
});
export type PreviewFace = z.infer<typeof previewFaceSchema>;

export interface PreviewMessage {
  version: 1;
  cameraId: string;
  seq: number;
  capturedAt: number;
  /** Sequence number of the analysed frame the boxes come from (may lag the picture by a frame). */
  facesSeq: number | null;
  width: number;
  height: number;
  faces: PreviewFace[];
  jpeg: Buffer;
}

/** Acknowledgement of every client-to-server event. */
export type Ack<T = unknown> = { ok: true; data?: T } | { ok: false; error: { code: string; message: string } };

/** Admin-only events (a viewer emitting one is refused). */
export const adminEvents = ['sighting:not-this-person', 'unknown:ignore'] as const;
