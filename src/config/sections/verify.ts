import { z } from 'zod';
import { section } from './base.js';

/** verify: the 1:1 decision (are two faces the same person), per embedder. */

export const verifySchema = section({
  thresholds: z.strictObject({
    resnet34: z.number().min(0).max(2).default(0.0833)
      .describe('Cosine distance at or below which two resnet34 embeddings are the same person: the best-accuracy threshold on LFW pairsDevTrain, faceboxes detection, photos flipped (`facestream calibrate --objective accuracy`; see docs/benchmarks/accuracy.md).'),
    mobileface: z.number().min(0).max(2).default(0.81)
      .describe('mobileface: the best-accuracy threshold on LFW pairsDevTrain, faceboxes detection, photos flipped (`npm run bench:embedders`; see docs/benchmarks/embedders.md).'),
    faceres: z.number().min(0).max(2).default(0.7363)
      .describe('faceres: the best-accuracy threshold on LFW pairsDevTrain, faceboxes detection, photos flipped (`npm run bench:embedders`; see docs/benchmarks/embedders.md).'),
    'resnet34+faceres': z.number().min(0).max(2).default(0.1328)
      .describe('resnet34+faceres: the best-accuracy threshold on LFW pairsDevTrain, faceboxes detection, photos flipped (`npm run bench:embedders`; see docs/benchmarks/embedders.md).'),
  }).prefault({}).describe('Per-model verification thresholds (cosine distance = 1 - cosine similarity).'),
});

export type VerifyConfig = z.infer<typeof verifySchema>;
