import { z } from 'zod';
import { section } from './base.js';

/** vision: how a vision worker takes frames, batches them and decides which faces to re-embed. */

export const visionSchema = section({
  concurrency: z.number().int().min(1).max(64).default(2)
    .describe('Frames in flight at once per vision worker process: with 2, fetching and decoding the next frame overlaps the network work of the current one on the one wasm thread (see docs/guides/cameras.md).'),
  batchSize: z.number().int().min(1).max(256).default(1)
    .describe('Frames detected in one network call (GPU backends: webgpu, tensorflow); their faces are landmarked and embedded together too. 1 = no batching (wasm: one thread gains nothing).'),
  batchMaxWaitMs: z.number().int().min(0).max(1000).default(20)
    .describe('With batchSize > 1: the longest a frame waits for others to fill its batch.'),
  maxFrameAgeMs: z.number().int().min(100).max(600000).default(5000)
    .describe('Frames older than this (capture time) are skipped: real time first.'),
  reembedEveryFrames: z.number().int().min(1).max(1000).default(5)
    .describe('A face whose box matches a recently embedded box is re-embedded after this many frames anyway.'),
  reembedIou: z.number().min(0.1).max(1).default(0.3)
    .describe('IoU above which a face box matches a recently embedded box of the same camera: low enough that a face walking past still matches its last box, since reembedMinAppearance catches someone else stepping in.'),
  reembedQualityGain: z.number().min(0).max(10).default(0.2)
    .describe('Re-embed a matched face when its quality (relative sharpness x size) improved by this fraction.'),
  reembedMinAppearance: z.number().min(-1).max(1).default(0.7)
    .describe('Re-embed a matched face whose appearance signature correlates less than this with the face last embedded at that place: someone else stepped in.'),
  confirmWindowMs: z.number().int().min(0).max(60000).default(2000)
    .describe('Two witnesses: a face followed from frame to frame (box overlap of reembedIou) that the confirming model ran on less than this long ago is not confirmed again and casts no vote; 0 = confirm every face the proposer could name (see docs/recognition.md).'),
  stalledIntervalMs: z.number().int().min(1000).max(600000).default(10000)
    .describe('BullMQ stalled-job check interval: a job of a killed worker returns to the queue after this (and is skipped when too old).'),
  cropSize: z.number().int().min(32).max(512).default(112)
    .describe('Side of the face crop JPEG sent to the hub with each embedded face (a sighting\'s crop is its best embedded face).'),
  heapGrowingPercent: z.number().int().min(0).max(1000).default(100)
    .describe('V8 heap growth of a vision worker process: its old generation may grow to (1 + this/100) x the live heap before a full collection; 0 = V8\'s default. Frames live outside the JS heap, so V8\'s tight default marked the whole heap every few frames (see docs/benchmarks/pipeline.md).'),
  processes: z.number().int().min(0).max(64).default(1)
    .describe('`facestream run` only: vision workers started as child processes, each with its own engine (one per free core), restarted when they die; 0 = vision inside the run process, sharing its event loop with ingest and hub (see docs/benchmarks/pipeline.md). `facestream worker vision` is always one process.'),
});

export type VisionConfig = z.infer<typeof visionSchema>;
