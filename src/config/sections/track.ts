import { z } from 'zod';
import { section } from './base.js';

/** track: how faces join tracks across frames and when a track is named (docs/recognition.md#on-live-video). */

export const trackSchema = section({
  iouThreshold: z.number().min(0).max(1).default(0.25)
    .describe('A face joins a track when its box overlaps the track box by at least this IoU...'),
  maxEmbeddingDistance: z.number().min(0).max(2).default(0.12)
    .describe('... or its embedding is within this cosine distance of the track mean.'),
  closeAfterMs: z.number().int().min(100).max(600000).default(3000)
    .describe('A track closes (and its sighting is final) when no face joined it for this long.'),
  minFrames: z.number().int().min(1).max(1000).default(2)
    .describe('A track is confirmed (sighting event) after this many frames.'),
  reorderWindowMs: z.number().int().min(0).max(60000).default(1500)
    .describe('Results from parallel workers are reordered by sequence number; a missing frame is waited for at most this long.'),
  unknownClusterDistance: z.number().min(0).max(2).default(0.1)
    .describe('An unknown track joins an existing stranger cluster within this cosine distance ("unknown #17" again).'),
  maxCenterShift: z.number().min(0).max(10).default(1)
    .describe('... or (no overlap, no embedding match) its box is of similar size and its centre moved at most this many box sizes: low frame rates, frames dropped under load. 0 = off.'),
  minVoteShare: z.number().min(0).max(1).default(0.3)
    .describe('A known person names a track only with at least this share of its identity votes (unknown votes count too); else the track is unknown.'),
  splitVoteShare: z.number().min(0).max(1).default(0.2)
    .describe('A track stays unnamed when a second person got at least this share of the winner\'s identity votes (at least one vote): faces of one track split between two people (look-alike relatives) are not voted into a name. 1 = off.'),
  minAppearance: z.number().min(-1).max(1).default(0.7)
    .describe('A face its own embedding did not name keeps its track\'s name only if its appearance signature (16x16 grey chip) correlates at least this much with the track\'s last verified face, else it is unverified; centre-shift continuations need it too (see docs/benchmarks/live-names.md).'),
  carryMinIou: z.number().min(0).max(1).default(0.5)
    .describe('... and its box overlaps the track\'s previous box by at least this IoU ...'),
  carryMaxGapMs: z.number().int().min(0).max(60000).default(1500)
    .describe('... within this long of the track\'s last verified face.'),
  sceneCutDistance: z.number().min(0).max(1).default(0.25)
    .describe('A frame whose grey histogram moved this far from the previous frame of its camera (half L1, 0-1) is a scene cut or camera jump: every open track of the camera closes. 1 = off (see docs/benchmarks/live-names.md).'),
});

export type TrackConfig = z.infer<typeof trackSchema>;
