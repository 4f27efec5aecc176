import { z } from 'zod';
import { section } from './base.js';

/** landmarks: the 68-point landmark model that aligns each face. */

export const landmarkNames = ['full', 'tiny'] as const;

export const landmarksSchema = section({
  model: z.enum(landmarkNames).default('full')
    .describe('68-point landmark model: full (more precise alignment) or tiny (faster).'),
});

export type LandmarksConfig = z.infer<typeof landmarksSchema>;
