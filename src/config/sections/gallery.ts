import { z } from 'zod';
import { section } from './base.js';

/** gallery: the search (top-K, aggregation), enrollment checks and the HNSW index. */

export const aggregationNames = ['best', 'mean'] as const;

export const gallerySchema = section({
  aggregation: z.enum(aggregationNames).default('best')
    .describe("How a person's samples are combined into one distance: best = nearest sample, mean = mean distance over the person's samples."),
  topK: z.number().int().min(1).max(1000).default(20)
    .describe('Nearest samples fetched from the index per face before grouping them by person.'),
  ambiguityMargin: z.number().min(0).max(1).default(0.01)
    .describe('A match is flagged ambiguous when the second-best person is closer than this (cosine distance) to the best one.'),
  mislabelDistances: z.strictObject({
    resnet34: z.number().min(0).max(2).default(0.023).describe('resnet34: 0.8 x the closest two different people of LFW DevTrain came (see docs/recognition.md).'),
    mobileface: z.number().min(0).max(2).default(0.311).describe('mobileface: 0.8 x the closest two different people of LFW DevTrain came (see docs/recognition.md).'),
    faceres: z.number().min(0).max(2).default(0.279).describe('faceres: 0.8 x the closest two different people of LFW DevTrain came (see docs/recognition.md).'),
    'resnet34+faceres': z.number().min(0).max(2).default(0.052).describe('resnet34+faceres: 0.8 x the closest two different people of LFW DevTrain came (see docs/recognition.md).'),
  }).prefault({}).describe('Enrollment refuses a photo as likely mislabelled only when its face is closer than this (cosine distance, per embedder) to another person\'s sample: closer than different people come. Closer than the 1:1 threshold but not this close = enrolled and flagged as look-alikes (see docs/recognition.md).'),
  duplicateDistance: z.number().min(0).max(1).default(0.01)
    .describe('Enrollment skips a photo whose face is closer than this (cosine distance) to a sample the same person already has.'),
  enrollMinFaceSize: z.number().int().min(8).max(4096).default(40)
    .describe('Gallery samples need a face at least this large (shorter box side, pixels): stricter than the live gate (quality.minFaceSize), since every later identification is compared with them.'),
  enrollMinSharpness: z.number().min(0).max(10000).default(90)
    .describe('Gallery samples need at least this sharpness (the quality gate measure, quality.minSharpness): stricter than the live gate, chosen on degraded LFW probes (see docs/guides/tuning-accuracy.md#the-quality-gate).'),
  hnsw: z.strictObject({
    M: z.number().int().min(4).max(128).default(32)
      .describe('HNSW graph degree: higher = better recall, more memory, slower build; the default reaches full recall at a far smaller efSearch than a lower degree (see docs/benchmarks/gallery-index.md). A saved index keeps its M until rebuilt.'),
    efConstruction: z.number().int().min(10).max(2000).default(400)
      .describe('HNSW build-time candidate list size: higher = better graph, slower build; the default lets large galleries reach full recall at a smaller efSearch, for a longer build (see docs/benchmarks/gallery-index.md). A saved index keeps it until rebuilt.'),
    efSearch: z.union([z.literal('auto'), z.number().int().min(10).max(2000)]).default('auto')
      .describe('HNSW query-time candidate list size (at least topK is used): higher = better recall, slower queries. auto = grows with the number of vectors and the efConstruction the graph was built with (autoEfSearch in src/identify/hnsw.index.ts; see docs/benchmarks/gallery-index.md); or a number [10..2000].'),
  }).prefault({}).describe('HNSW index parameters (see docs/benchmarks/gallery-index.md for the recall/latency trade-off).'),
});

export type GalleryConfig = z.infer<typeof gallerySchema>;
