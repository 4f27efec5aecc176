import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { openGallery, type Gallery } from '../identify/gallery.js';
import type { FaceAnalyzer } from '../identify/gallery.types.js';
import { Alerting } from '../notify/alerting.js';
import { MqttPublisher } from '../notify/mqtt/index.js';
import { CameraStatusChannel } from '../queue/camera-status.channel.js';
import { createRedis } from '../queue/redis.connection.js';
import { ProposalVectorsStore } from '../queue/proposal-vectors.store.js';
import { WebhooksQueue } from '../queue/webhooks.queue.js';
import { writeSightingCrop } from '../store/data-paths.js';
import { CameraStatusSource } from '../track/camera-status.source.js';
import { SightingService } from '../track/sighting.service.js';

/**
 * What the hub role owns besides the tracker: the gallery of its data directory, the one
 * sighting service (rows, crops, stranger clusters, typed events), camera statuses, and alerts
 * with webhook delivery. All of it works with the dashboard disabled; the dashboard and other
 * publishers subscribe to `sightings`, `cameras` and `alerting`.
 */
export interface HubServices {
  readonly gallery: Gallery;
  readonly sightings: SightingService;
  readonly cameras: CameraStatusSource;
  readonly alerting: Alerting;
  /** MQTT + Home Assistant (mqtt.enabled), subscribed like the dashboard. */
  readonly mqtt: MqttPublisher | undefined;
  close(): Promise<void>;
}

/** facestream's version (package.json), shown on the Home Assistant device. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0';
  } catch {
    // dist/src/roles -> three levels up
    try { return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0'; } catch { return '0'; }
  }
}

export interface HubServicesDeps {
  engine: FaceAnalyzer;
  logger: Logger;
  redisUrl?: string;
}

export async function startHubServices(config: Pick<Config, 'data' | 'gallery' | 'redis' | 'notify' | 'mqtt'>, deps: HubServicesDeps): Promise<HubServices> {
  const { logger } = deps;
  const url = deps.redisUrl ?? config.redis.url;
  const gallery = openGallery({ dataDir: config.data.dir, engine: deps.engine, settings: config.gallery, logger });
  const redis: Redis = createRedis(url, 'facestream-hub-services');
  // a subscribed connection cannot run commands: camera statuses get their own
  const subscriber: Redis = createRedis(url, 'facestream-hub-events');
  const cameras = new CameraStatusSource({ feed: new CameraStatusChannel(redis, config.redis.prefix, subscriber), logger });
  const sightings = new SightingService({
    rows: gallery.sightings, clusters: gallery.corrections,
    faces: { store: gallery.evidence, modelId: gallery.index.modelId, confirmModelId: deps.engine.confirmModelId },
    crops: { writeSightingCrop: (id, jpeg) => writeSightingCrop(config.data.dir, id, jpeg) },
    logger, runId: Date.now().toString(36),
  });
  sightings.forwardCameraStatus(cameras);
  const alerting = new Alerting({
    config: config.notify, webhooks: new WebhooksQueue(redis, config.redis.prefix, config.redis.eventsMaxLen), rules: gallery.alertRules,
    people: { get: (id) => gallery.people.find(id) }, cameraName: (id) => cameras.name(id), sightings, logger,
  });
  const mqtt = config.mqtt.enabled
    ? new MqttPublisher(config.mqtt, {
      sightings, alerts: alerting.alerts, logger, version: packageVersion(),
      people: { list: () => gallery.people.listPeople({ limit: 1_000_000 }).items.map((p) => ({ id: p.id, name: p.name })) },
      cameras: { list: () => cameras.statuses().map((c) => ({ id: c.cameraId, name: c.name })) },
    })
    : undefined;
  // two witnesses: the vision workers confirm only faces within the proposer's threshold of a sample
  const proposals = new ProposalVectorsStore(redis, config.redis.prefix);
  let published: string | null = null;
  const publishProposals = async () => {
    const revision = `${gallery.index.modelId}@${gallery.revision()}`;
    if (revision === published) return;
    await proposals.publish(revision, gallery.index.dim, gallery.proposerVectors());
    published = revision;
  };
  const proposalTimer = deps.engine.confirmModelId
    ? setInterval(() => { publishProposals().catch((e: Error) => logger.warn({ err: e.message }, 'gallery vectors not published')); }, 2000)
    : undefined;
  proposalTimer?.unref();
  if (mqtt) {
    gallery.people.events.on('person.saved', (p) => mqtt.personAdded({ id: p.id, name: p.name }));
    gallery.people.events.on('person.erased', (id) => mqtt.personRemoved(id));
  }
  let closing: Promise<void> | undefined;
  let backfill: Promise<void> | undefined;
  const stopBackfill = new AbortController();
  const close = () => (closing ??= (async () => {
    const errors: unknown[] = [];
    stopBackfill.abort();
    await backfill;
    const step = async (f: () => unknown) => { try { await f(); } catch (e) { errors.push(e); } };
    if (proposalTimer) clearInterval(proposalTimer);
    await step(() => mqtt?.close());
    await step(() => alerting.close());
    await step(() => cameras.close());
    await step(() => subscriber.quit());
    await step(() => redis.quit());
    await step(() => gallery.close());
    if (errors.length) throw new AggregateError(errors, 'hub services: close failed');
  })());
  try {
    await cameras.start();
    if (deps.engine.confirmModelId) await publishProposals();
    const missing = gallery.witnesses.missingConfirm();
    if (missing > 0) {
      // a gallery enrolled before two witnesses: its people are unconfirmable (never named) until
      // their samples get the confirming model's embedding; add them from the stored crops now
      logger.warn({ samples: missing, confirmModel: deps.engine.confirmModelId }, 'adding the confirming model\'s embedding to samples enrolled before two witnesses (their people are not named until done)');
      backfill = gallery.enrollment.backfillConfirm(undefined, stopBackfill.signal).then(
        (r) => logger.info({ filled: r.filled, failed: r.failed.length }, 'confirming embeddings added'),
        (e: Error) => logger.error({ err: e.message }, 'confirming embeddings not added: run `facestream reindex`'),
      );
    }
    alerting.start();
    await mqtt?.start();
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
  return { gallery, sightings, cameras, alerting, mqtt, close };
}
