import { z } from 'zod';
import { apiSchema } from './sections/api.js';
import { dashboardSchema } from './sections/dashboard.js';
import { dataSchema } from './sections/data.js';
import { detectorSchema } from './sections/detector.js';
import { embedderSchema, type EmbedderConfig } from './sections/embedder.js';
import { engineSchema } from './sections/engine.js';
import { frigateSchema } from './sections/frigate.js';
import { gallerySchema } from './sections/gallery.js';
import { identifySchema } from './sections/identify.js';
import { imageSchema } from './sections/image.js';
import { ingestSchema } from './sections/ingest.js';
import { landmarksSchema } from './sections/landmarks.js';
import { logSchema } from './sections/log.js';
import { mqttSchema } from './sections/mqtt.js';
import { notifySchema } from './sections/notify.js';
import { opsSchema } from './sections/ops.js';
import { qualitySchema } from './sections/quality.js';
import { redisSchema } from './sections/redis.js';
import { retentionSchema } from './sections/retention.js';
import { trackSchema } from './sections/track.js';
import { verifySchema } from './sections/verify.js';
import { visionSchema } from './sections/vision.js';

/**
 * The one configuration schema, composed of one section per file under sections/. Every knob
 * has a default, bounds and a description; unknown keys are rejected (strict objects).
 * config/default.yaml is rendered from it (`npm run config:docs`) and a test keeps the two in step.
 * The order of the sections here is the order of config/default.yaml.
 */

export { engineSchema, backendNames, type EngineConfig, type BackendName } from './sections/engine.js';
export { detectorSchema, detectorNames, defaultScoreThresholds, scoreThresholdOf, type DetectorConfig, type DetectorName } from './sections/detector.js';
export { landmarksSchema, landmarkNames, type LandmarksConfig } from './sections/landmarks.js';
export { embedderSchema, embedderNames, type EmbedderConfig, type EmbedderName } from './sections/embedder.js';
export { qualitySchema, type QualityConfig } from './sections/quality.js';
export { imageSchema, type ImageConfig } from './sections/image.js';
export { verifySchema, type VerifyConfig } from './sections/verify.js';
export { identifySchema, witnessModes, confirmModelNames, type IdentifyConfig } from './sections/identify.js';
export { logSchema, type LogConfig } from './sections/log.js';
export { dataSchema, type DataConfig } from './sections/data.js';
export { gallerySchema, aggregationNames, type GalleryConfig } from './sections/gallery.js';
export { apiSchema, type ApiConfig } from './sections/api.js';
export { redisSchema, type RedisConfig } from './sections/redis.js';
export { cameraSchema, type CameraConfig } from './sections/camera.js';
export { ingestSchema, type IngestConfig } from './sections/ingest.js';
export { visionSchema, type VisionConfig } from './sections/vision.js';
export { trackSchema, type TrackConfig } from './sections/track.js';
export { dashboardSchema, type DashboardConfig } from './sections/dashboard.js';
export { notifySchema, type NotifyConfig } from './sections/notify.js';
export { opsSchema, type OpsConfig } from './sections/ops.js';
export { retentionSchema, type RetentionConfig } from './sections/retention.js';
export { mqttSchema, mqttSchemes, type MqttConfig } from './sections/mqtt.js';
export { frigateSchema, frigateSnapshotModes, type FrigateConfig } from './sections/frigate.js';

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

/** Whether photos (analyzePhoto: enroll, identify, verify, eval) are embedded with flip test-time augmentation. */
export const photoFlipOf = (c: Pick<Config, 'embedder'>): boolean => c.embedder.flip || c.embedder.photoFlip;

/** identify.mode resolved: auto = two witnesses for the embedders that have a confirmer trained on other data. */
export const witnessModeOf = (c: { embedder: Pick<EmbedderConfig, 'model'>; identify?: Pick<Config['identify'], 'mode'> | undefined }): 'two-witness' | 'single' => {
  const mode = c.identify?.mode ?? 'auto';
  if (mode !== 'auto') return mode;
  return c.embedder.model === 'resnet34' || c.embedder.model === 'mobileface' ? 'two-witness' : 'single';
};
