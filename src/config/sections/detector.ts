import { z } from 'zod';
import { section } from './base.js';

/** detector: which face detector runs, at what size, and which of its boxes are kept. */

export const detectorNames = ['tiny', 'ssd', 'faceboxes'] as const;
export type DetectorName = (typeof detectorNames)[number];

export const detectorSchema = section({
  model: z.enum(detectorNames).default('faceboxes')
    .describe('ssd = SSD MobileNet v1 (finds small and distant faces); tiny = Tiny Face Detector (fast, close faces only); faceboxes = FaceBoxes at the image\'s own resolution, the default for live video (see docs/benchmarks/detectors.md).'),
  inputSize: z.number().int().min(128).max(1024).multipleOf(32).default(416)
    .describe('tiny only: the square size the image is resized to before detection; smaller = faster, misses small faces.'),
  maxSide: z.number().int().min(128).max(4096).default(1280)
    .describe('faceboxes only: images (after border padding) whose longer side exceeds this are downscaled before detection; smaller = faster, misses small faces.'),
  scoreThreshold: z.number().min(0.05).max(0.99).optional()
    .describe('Minimum detector confidence for a face; unset = the detector\'s own default (ssd 0.4, tiny 0.4, faceboxes 0.65, whose scores run higher: see docs/benchmarks/detectors.md).'),
  nmsIouThreshold: z.number().min(0.1).max(0.9).default(0.4)
    .describe('Boxes overlapping more than this IoU are merged (non-maximum suppression); the higher-scoring box wins.'),
  minFaceSize: z.number().int().min(8).max(4096).default(20)
    .describe('Faces whose shorter box side is below this many pixels (original image) are not reported at all.'),
  borderPad: z.number().min(0).max(0.5).default(0.2)
    .describe('Pad the image by this fraction of its longer side on every edge before detection, so faces touching the border (tight crops) are still found.'),
  maxFaces: z.number().int().min(1).max(1000).default(100)
    .describe('At most this many faces per image (highest scores first).'),
});

export type DetectorConfig = z.infer<typeof detectorSchema>;

/** Each detector's own score threshold (detector.scoreThreshold unset); their score scales differ. */
export const defaultScoreThresholds: Record<DetectorName, number> = { ssd: 0.4, tiny: 0.4, faceboxes: 0.65 };
/** detector.scoreThreshold, else the configured detector's own default. */
export const scoreThresholdOf = (cfg: Pick<DetectorConfig, 'model' | 'scoreThreshold'>): number => cfg.scoreThreshold ?? defaultScoreThresholds[cfg.model];
