import { z } from 'zod';
import { section } from './base.js';

/** identify: the open-set (1:N) naming rule, single-model or two witnesses (docs/recognition.md). */

export const witnessModes = ['auto', 'two-witness', 'single'] as const;
export const confirmModelNames = ['faceres'] as const;
const witnessRuleSchema = (threshold: number, minMargin: number, lookalikeMargin: number) => z.strictObject({
  threshold: z.number().min(0).max(2).default(threshold).describe('Open-set threshold (cosine distance to the nearest enrolled person).'),
  minMargin: z.number().min(0).max(1).default(minMargin).describe('The runner-up person and any correction evidence must be at least this much farther.'),
  lookalikeMargin: z.number().min(0).max(1).default(lookalikeMargin).describe('The margin when the runner-up is a look-alike of the nearest person.'),
}).prefault({});

export const identifySchema = section({
  thresholds: z.strictObject({
    resnet34: z.number().min(0).max(2).default(0.059802)
      .describe('Open-set identification threshold for resnet34 (cosine distance to the nearest enrolled person): `facestream calibrate --identify` at its default FPIR target on LFW pairsDevTrain people, faceboxes detection, photos flipped (see docs/benchmarks/open-set.md).'),
    mobileface: z.number().min(0).max(2).default(0.5658)
      .describe('mobileface: calibrated at the same FPIR target on the LFW DevTrain open-set, faceboxes detection, photos flipped (`npm run bench:embedders`; see docs/benchmarks/embedders.md).'),
    faceres: z.number().min(0).max(2).default(0.5469)
      .describe('faceres: calibrated at the same FPIR target on the LFW DevTrain open-set, faceboxes detection, photos flipped (`npm run bench:embedders`; see docs/benchmarks/embedders.md).'),
    'resnet34+faceres': z.number().min(0).max(2).default(0.1094)
      .describe('resnet34+faceres: calibrated at the same FPIR target on the LFW DevTrain open-set, faceboxes detection, photos flipped (`npm run bench:embedders`; see docs/benchmarks/embedders.md).'),
  }).prefault({}).describe('Per-model thresholds of the gallery search (1:N), chosen for a false-positive identification rate, not 1:1 pairs.'),
  minMargins: z.strictObject({
    resnet34: z.number().min(0).max(1).default(0.01)
      .describe('resnet34: calibrated with its threshold (`facestream calibrate --identify`, faceboxes detection, photos flipped).'),
    mobileface: z.number().min(0).max(1).default(0.04)
      .describe('mobileface: calibrated with its threshold.'),
    faceres: z.number().min(0).max(1).default(0)
      .describe('faceres: calibrated with its threshold.'),
    'resnet34+faceres': z.number().min(0).max(1).default(0.005)
      .describe('resnet34+faceres: calibrated with its threshold.'),
  }).prefault({}).describe('A face is named only when the second-nearest enrolled person is at least this much farther (cosine distance) than the nearest: look-alikes (relatives) stay unknown. Set with `facestream calibrate --identify`.'),
  lookalikeMargins: z.strictObject({
    resnet34: z.number().min(0).max(1).default(0.015).describe('resnet34: the margin naming the fewest DevTrain look-alikes as their partner at a small cost in missed people (see docs/recognition.md).'),
    mobileface: z.number().min(0).max(1).default(0.04).describe('mobileface: not calibrated (its minMargin).'),
    faceres: z.number().min(0).max(1).default(0.08).describe('faceres: the margin naming the fewest DevTrain look-alikes as their partner at a small cost in missed people (see docs/recognition.md).'),
    'resnet34+faceres': z.number().min(0).max(1).default(0.0125).describe('resnet34+faceres: the margin at which no DevTrain look-alike of a flagged pair is named as the partner, at a small cost in missed people (see docs/recognition.md).'),
  }).prefault({}).describe('Single-model mode: the margin needed when the runner-up is a look-alike of the nearest person (their samples within the 1:1 threshold of each other); calibrated on LFW DevTrain look-alike pairs, both enrolled (`npm run bench:lookalike`; see docs/recognition.md).'),
  mode: z.enum(witnessModes).default('auto')
    .describe('two-witness = a face is named only when the embedder (proposer) and identify.witness.confirmModel, trained on other data, name the same person, each under its own rule; single = the embedder alone; auto = two-witness for resnet34 and mobileface, single otherwise (see docs/recognition.md).'),
  witness: z.strictObject({
    confirmModel: z.enum(confirmModelNames).default('faceres')
      .describe('The confirming embedder of two-witness mode.'),
    proposer: witnessRuleSchema(0.059802, 0.01, 0.01).describe('The proposer\'s rule in two-witness mode: resnet34\'s own open-set rule (identify.thresholds / minMargins), so the pair names no stranger resnet34 alone would not; a wider look-alike margin did not pay (see docs/recognition.md).'),
    confirmer: witnessRuleSchema(0.72, 0, 0).describe('The confirmer\'s rule in two-witness mode (over the proposer\'s candidates): the one missing the fewest LFW DevTrain people, and among those naming the fewest DevTrain look-alike photos as their look-alike (`npm run bench:lookalike`; see docs/recognition.md).'),
  }).prefault({}).describe('Two-witness decision (identify.mode).'),
});

export type IdentifyConfig = z.infer<typeof identifySchema>;
