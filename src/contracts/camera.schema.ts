import { z } from 'zod';

export const cameraStates = ['connecting', 'online', 'reconnecting', 'offline', 'stopped'] as const;

/** Camera status event (pub/sub) and the queryable latest status. URLs are always masked. */
export const cameraStatusSchema = z.strictObject({
  version: z.literal(1),
  cameraId: z.string(),
  name: z.string(),
  /** Credentials masked (maskUrl). */
  url: z.string(),
  state: z.enum(cameraStates),
  lastFrameAt: z.number().nullable(),
  /** Frames per second delivered by ffmpeg, recent average. */
  fps: z.number(),
  /** Frames dropped by backpressure per second, recent average. */
  droppedFps: z.number(),
  framesTotal: z.number().int(),
  droppedTotal: z.number().int(),
  reconnects: z.number().int(),
  lastError: z.string().nullable(),
  /** When the next restart is due (ms epoch) while offline. */
  nextRetryAt: z.number().nullable(),
  updatedAt: z.number(),
  /** Where the camera is read: facestream's own ingest (absent or 'facestream') or a Frigate NVR (companion mode: its events, not its stream). */
  source: z.enum(['facestream', 'frigate']).optional(),
});
export type CameraStatus = z.infer<typeof cameraStatusSchema>;
export type CameraState = (typeof cameraStates)[number];
