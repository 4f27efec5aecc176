import { z } from 'zod';
import { section } from './base.js';

/** quality: the gate that decides which detected faces are embedded (docs/guides/tuning-accuracy.md#the-quality-gate). */

export const qualitySchema = section({
  minFaceSize: z.number().int().min(8).max(4096).default(20)
    .describe('Faces smaller than this (shorter box side, pixels) are reported but not embedded; a floor only, since minSharpness refuses small faces that lack detail (see docs/guides/tuning-accuracy.md#the-quality-gate).'),
  minSharpness: z.number().min(0).max(10000).default(45)
    .describe('Minimum variance of the Laplacian of the aligned grey face chip area-averaged to 64 px (independent of camera resolution); blurrier faces are reported but not embedded. Chosen from identification outcomes on degraded faces (see docs/guides/tuning-accuracy.md#the-quality-gate).'),
  maxYaw: z.number().min(0).max(90).default(65)
    .describe('Faces turned further than this (degrees, estimated from landmarks) are reported but not embedded.'),
});

export type QualityConfig = z.infer<typeof qualitySchema>;
