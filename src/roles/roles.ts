import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { Hub } from '../track/hub.service.js';
import { IngestManager } from '../ingest/ingest.manager.js';
import type { FrameSourceFactory } from '../ingest/frame-source.js';
import type { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import { QueueDepthSampler } from '../metrics/queue-depth.sampler.js';
import type { OpsQueues } from '../ops/ops.runtime.js';
import { CameraStatusChannel } from '../queue/camera-status.channel.js';
import { FacesInbox, FacesProducer } from '../queue/faces.queue.js';
import { FramesInbox } from '../queue/frames.inbox.js';
import { FramesProducer } from '../queue/frames.queue.js';
import { MaintenanceQueue } from '../queue/maintenance.queue.js';
import { OpenTracksStore } from '../queue/open-tracks.store.js';
import { ProposalVectorsStore } from '../queue/proposal-vectors.store.js';
import { QueueCounts } from '../queue/queue-counts.js';
import { createRedis } from '../queue/redis.connection.js';
import { RedisProbe } from '../queue/redis.probe.js';
import { WebhookEvents } from '../queue/webhook-events.js';
import type { Identifier, SightingSink } from '../track/identifier.js';
import { VisionWorker, type FrameAnalyzer } from '../vision/vision.worker.js';
import { ProposalFilter } from '../vision/proposal.filter.js';
import { setHeapGrowingPercent } from './heap-growth.js';

/** A started role: close() stops it (idempotent) and releases its Redis connections. */
export interface Role { close(): Promise<void> }

type Settings = Pick<Config, 'redis' | 'ingest' | 'vision' | 'track'>;

export interface RoleDeps { logger: Logger; metrics?: PipelineMetrics; redisUrl?: string }

async function closeAll(steps: (() => unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const s of steps) {
    try { await s(); } catch (e) { errors.push(e); }
  }
  if (errors.length) throw new AggregateError(errors, 'close failed');
}

export function startIngestRole(config: Settings, deps: RoleDeps & { createSource?: FrameSourceFactory }): Role & { manager: IngestManager; producer: FramesProducer } {
  const redis = createRedis(deps.redisUrl ?? config.redis.url, 'facestream-ingest');
  const faces = new FacesProducer(redis, config.redis.prefix, config.redis.eventsMaxLen);
  const { prefix } = config.redis;
  const producer = new FramesProducer(redis, { prefix, frameTtlMs: config.ingest.frameTtlMs, maxInFlightPerCamera: config.ingest.maxInFlightPerCamera, eventsMaxLen: config.redis.eventsMaxLen }, faces);
  const manager = new IngestManager(config.ingest, {
    producer, statuses: new CameraStatusChannel(redis, prefix), openTracks: new OpenTracksStore(redis, prefix),
    logger: deps.logger, metrics: deps.metrics, createSource: deps.createSource,
  });
  manager.start();
  let closing: Promise<void> | undefined;
  return {
    manager, producer,
    close: () => (closing ??= closeAll([() => manager.close(), () => producer.close(), () => faces.close(), () => redis.quit()])),
  };
}

export function startVisionRole(config: Settings, deps: RoleDeps & { analyzer: FrameAnalyzer; name?: string; embedAll?: boolean }): Role & { worker: VisionWorker } {
  setHeapGrowingPercent(config.vision.heapGrowingPercent);
  const redis = createRedis(deps.redisUrl ?? config.redis.url, 'facestream-vision');
  const faces = new FacesProducer(redis, config.redis.prefix, config.redis.eventsMaxLen);
  const rules = deps.analyzer.decisionRules;
  const proposals = deps.analyzer.confirmModelId && rules?.mode === 'two-witness'
    ? new ProposalFilter(new ProposalVectorsStore(redis, config.redis.prefix), rules.proposer.threshold)
    : undefined;
  const worker = new VisionWorker(config.vision, { frames: new FramesInbox(redis, config.redis.prefix), analyzer: deps.analyzer, faces, logger: deps.logger, metrics: deps.metrics, name: deps.name, embedAll: deps.embedAll, proposals });
  worker.start();
  let closing: Promise<void> | undefined;
  return { worker, close: () => (closing ??= closeAll([() => worker.close(), () => faces.close(), () => redis.quit()])) };
}

export function startHubRole(config: Settings, deps: RoleDeps & { identifier: Identifier; sink?: SightingSink }): Role & { hub: Hub; redis: Redis } {
  const redis = createRedis(deps.redisUrl ?? config.redis.url, 'facestream-hub');
  const { prefix } = config.redis;
  const hub = new Hub(config.track, {
    inbox: new FacesInbox(redis, prefix), openTracks: new OpenTracksStore(redis, prefix),
    identifier: deps.identifier, sink: deps.sink, logger: deps.logger, metrics: deps.metrics, maxLagMs: config.vision.maxFrameAgeMs,
  });
  hub.start();
  const sampler = deps.metrics ? new QueueDepthSampler(new QueueCounts(redis, prefix), deps.metrics) : undefined;
  sampler?.start();
  let closing: Promise<void> | undefined;
  return { hub, redis, close: () => (closing ??= closeAll([() => sampler?.close(), () => hub.close(), () => redis.quit()])) };
}

/** The Redis side of a process's ops (startOps), each part on a connection of its own. */
export function opsQueues(redis: Config['redis']): OpsQueues {
  return {
    probe: () => new RedisProbe(redis.url),
    webhookEvents: () => new WebhookEvents(redis.url, redis.prefix),
    maintenance: () => MaintenanceQueue.open(redis.url, redis.prefix, redis.eventsMaxLen),
  };
}
