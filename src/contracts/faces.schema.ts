import { z } from 'zod';

const box = z.strictObject({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
const point = z.tuple([z.number(), z.number()]);

export const faceResultSchema = z.strictObject({
  box,
  score: z.number(),
  landmarks: z.strictObject({ leftEye: point, rightEye: point, nose: point, mouthLeft: point, mouthRight: point }),
  quality: z.strictObject({ size: z.number(), sharpness: z.number(), yaw: z.number(), passed: z.boolean(), reasons: z.array(z.string()) }),
  /** L2-normalised; absent when the face failed the quality gate or the embedding budget skipped it. */
  embedding: z.array(z.number()).optional(),
  /** The confirming model's embedding (two witnesses): only faces the proposer could name. */
  confirmEmbedding: z.array(z.number()).max(4096).optional(),
  /**
   * Two witnesses: the proposer could name this face, but the confirmer ran on a face at the same
   * place less than vision.confirmWindowMs ago and was not run again. The hub counts the face as no
   * vote (neither a name nor unknown).
   */
  confirmSkipped: z.literal(true).optional(),
  /** Why there is no embedding: quality | budget. */
  notEmbedded: z.enum(['quality', 'budget']).optional(),
  /** Small JPEG of the aligned face chip, base64: embedded faces only (a track's crop is one whose embedding was computed). */
  crop: z.string().optional(),
  /** Appearance signature (16x16 grey of the aligned chip, zero-mean unit-length): every face, embedded or not. */
  appearance: z.array(z.number()).max(1024).optional(),
});
export type FaceResult = z.infer<typeof faceResultSchema>;

/** The "faces" job: one per frame a vision worker took (skipped frames too, so the hub sees every sequence number). */
export const facesJobSchema = z.strictObject({
  version: z.literal(1),
  cameraId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  capturedAt: z.number().int().nonnegative(),
  detectedAt: z.number().int().nonnegative(),
  /** Set when the frame was not analysed: too_old (older than vision.maxFrameAgeMs), expired (bytes gone), dropped (backpressure, sent by the ingest), failed (bad frame), still (no motion and no open track: the ingest's motion gate). */
  skipped: z.enum(['too_old', 'expired', 'dropped', 'failed', 'still']).optional(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  modelId: z.string(),
  faces: z.array(faceResultSchema),
  /** Scene signature of the frame (grey histogram): the hub closes tracks across a cut. */
  scene: z.array(z.number()).max(256).optional(),
  worker: z.string().optional(),
});
export type FacesJob = z.infer<typeof facesJobSchema>;
