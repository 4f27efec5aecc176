import { z } from 'zod';
import { section } from './base.js';

/** embedder: the face embedding model and its test-time augmentation. */

export const embedderNames = ['resnet34', 'mobileface', 'faceres', 'resnet34+faceres'] as const;
export type EmbedderName = (typeof embedderNames)[number];

export const embedderSchema = section({
  model: z.enum(embedderNames).default('resnet34')
    .describe('resnet34 = face-api/dlib ResNet-34, 128-d, accurate (default); mobileface = 256-d, cheaper, less accurate; faceres = HSE MobileNet trained on VGGFace2, 1024-d, costlier; resnet34+faceres = both fused into one 1152-d embedding (see docs/benchmarks/embedders.md).'),
  flip: z.boolean().default(false)
    .describe('Test-time augmentation on every embedding, live frames included: embed the mirrored chip too and use the mean (2x embedding cost per face).'),
  photoFlip: z.boolean().default(true)
    .describe('Flip test-time augmentation for photos (enroll, identify, verify, detect/embed, eval) even when flip is off: one more embedding per photo face, more accurate (see docs/benchmarks/accuracy.md).'),
  enrollJitter: z.number().int().min(0).max(32).default(0)
    .describe('Gallery samples: also embed this many jittered copies of the aligned face (small shift, scale, rotation; like dlib num_jitters) and store the mean. Costs enrollment time only.'),
  batchSize: z.number().int().min(1).max(512).default(16)
    .describe('Faces per embedding batch.'),
  head: z.string().min(1).optional()
    .describe('Folder of a trained projection head (`facestream train --out`): applied after the embedder, then L2-normalised; default none.'),
});

export type EmbedderConfig = z.infer<typeof embedderSchema>;
