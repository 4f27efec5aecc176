import { z } from 'zod';
import { cameraSchemes, cameraUrlProblem, defaultAllowedSchemes } from '../../common/camera-url.policy.js';
import { cameraSchema } from './camera.js';

/** ingest: the cameras, which URLs they may use, ffmpeg's frames into Redis and the motion gate (docs/guides/cameras.md). */

export const ingestSchema = z.strictObject({
  cameras: z.array(cameraSchema).default([])
    .describe('Cameras started at boot (more can be added at run time).'),
  // optional + transform rather than .default([...]): config/default.yaml renders one line per key
  allowedSchemes: z.array(z.enum(cameraSchemes)).max(cameraSchemes.length).optional()
    .transform((v) => v ?? [...defaultAllowedSchemes])
    .describe(`URL schemes a camera may use (file = local video files, also plain paths); unset = ${defaultAllowedSchemes.join(', ')}. Anything else (concat:, subfile:, pipe:, data:, ...) is refused before ffmpeg starts, and ffmpeg only gets the protocols of the camera's scheme. Also ${cameraSchemes.filter((s) => !defaultAllowedSchemes.includes(s)).join(', ')} (raw MPEG-TS streams).`),
  fileRoots: z.array(z.string().min(1).max(1024)).max(64).default([])
    .describe('Folders under which local video file cameras must lie (checked after resolving symlinks; relative to the working directory); empty = any regular file (never /dev, /proc, /sys). Set it where camera URLs are not fully trusted.'),
  jpegQuality: z.number().int().min(2).max(31).default(5)
    .describe('ffmpeg MJPEG quality (-q:v, 2 = best, 31 = worst).'),
  maxWidth: z.number().int().min(0).max(7680).default(1280)
    .describe('Frames wider than this are scaled down by ffmpeg (0 = never).'),
  frameTtlMs: z.number().int().min(1000).max(600000).default(30000)
    .describe('Frame bytes expire from Redis after this many milliseconds.'),
  maxInFlightPerCamera: z.number().int().min(1).max(1000).default(4)
    .describe('At most this many frames of one camera wait in the queue; the oldest waiting frame is dropped for a new one.'),
  stallTimeoutMs: z.number().int().min(1000).max(600000).default(10000)
    .describe('Restart ffmpeg when a camera delivered no frame for this long.'),
  backoffInitialMs: z.number().int().min(50).max(60000).default(500)
    .describe('First reconnect delay; doubles per failed attempt (with jitter) up to backoffMaxMs.'),
  backoffMaxMs: z.number().int().min(100).max(600000).default(15000)
    .describe('Cap of the reconnect delay.'),
  motionGate: z.boolean().default(true)
    .describe('Skip detection on frames where nothing moved (a 64x36 grey thumbnail against the previous frame) while the camera has no open track; such frames are reported as `still`. A full detection still runs every motionIdleDetectMs.'),
  motionPixelDelta: z.number().int().min(1).max(255).default(20)
    .describe('A thumbnail pixel changed when its grey level moved more than this.'),
  motionMinShare: z.number().min(0).max(1).default(0.004)
    .describe('A frame has motion when at least this share of thumbnail pixels changed.'),
  motionIdleDetectMs: z.number().int().min(100).max(600000).default(2000)
    .describe('Without motion, still detect at least this often (a person standing still is seen).'),
}).superRefine((ingest, ctx) => {
  ingest.cameras.forEach((camera, i) => {
    const problem = cameraUrlProblem(camera.url, ingest);
    if (problem) ctx.addIssue({ code: 'custom', path: ['cameras', i, 'url'], message: `E_CAMERA_URL: ${problem}` });
  });
}).prefault({} as never);

export type IngestConfig = z.infer<typeof ingestSchema>;
