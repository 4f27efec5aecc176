import { z } from 'zod';

/** One entry of ingest.cameras (also the shape of cameras added at run time). */

export const cameraSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).describe('Stable camera id (letters, digits, _ and -).'),
  name: z.string().min(1).max(200).optional().describe('Display name (default: the id).'),
  url: z.string().min(1).describe('rtsp://, http(s):// (MJPEG) or a local video file (looped).'),
  sampleFps: z.number().min(0.1).max(60).default(2).describe('Frames per second sampled from the stream.'),
  enabled: z.boolean().default(true).describe('Disabled cameras are configured but not started.'),
  transport: z.enum(['tcp', 'udp']).default('tcp').describe('RTSP transport.'),
});

export type CameraConfig = z.infer<typeof cameraSchema>;
