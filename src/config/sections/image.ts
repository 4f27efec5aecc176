import { z } from 'zod';
import { section } from './base.js';

/** image: limits on the image files and photos the engine accepts. */

export const imageSchema = section({
  maxBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(50 * 1024 * 1024)
    .describe('Refuse image files larger than this many bytes.'),
  maxPixels: z.number().int().min(1024).max(1_000_000_000).default(50_000_000)
    .describe('Refuse images declaring more pixels than this (checked from the header, before decoding: decompression bombs).'),
  minSide: z.number().int().min(1).max(4096).default(16)
    .describe('Refuse images whose shorter side is below this (no face can be found in them).'),
  photoMaxPixels: z.number().int().min(65_536).max(1_000_000_000).default(4_000_000)
    .describe('Photos analysed by a hub or `facestream serve` (identify, enrol, corrections) with more pixels than this are downscaled while decoding: faces need far fewer, and engine memory grows with the largest image seen. Boxes stay in original pixels; live frames are not affected.'),
});

export type ImageConfig = z.infer<typeof imageSchema>;
