import { z } from 'zod';

/** The "frames" job: a reference to JPEG bytes in Redis plus metadata; never the pixels themselves. */
export const frameJobSchema = z.strictObject({
  version: z.literal(1),
  cameraId: z.string().min(1),
  /** Redis key of the JPEG bytes (SET with a TTL). */
  key: z.string().min(1),
  /** Capture time (ms since the epoch) as stamped by the ingest when the frame left ffmpeg. */
  capturedAt: z.number().int().nonnegative(),
  /** Per-camera, strictly increasing across restarts of ffmpeg. */
  seq: z.number().int().nonnegative(),
  /** JPEG size in bytes. */
  size: z.number().int().positive(),
});
export type FrameJob = z.infer<typeof frameJobSchema>;
