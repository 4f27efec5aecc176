import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { FrigateConfig } from '../config/schema.js';
import type { CameraStatus } from '../contracts/camera.schema.js';
import { maskUrl } from '../common/mask-url.js';
import type { FrigateMetrics } from '../metrics/frigate.metrics.js';
import { FrigateCameras } from './frigate.cameras.js';
import { FrigateClient } from './frigate.client.js';
import { FrigateEventFolder, type FrigateTrackHost, type PhotoAnalyzer } from './frigate-event.folder.js';
import { FrigateEventsSubscriber } from './frigate-events.subscriber.js';
import { FrigateSubLabels, type SightingEvents } from './frigate-sub-labels.js';

export interface FrigateServiceDeps {
  /** The hub's engine: the photo path. */
  analyzer: PhotoAnalyzer;
  /** The hub: identifier, trackers and the sighting path (one owner). */
  hub: FrigateTrackHost;
  /** The hub's sighting service: sub_labels follow what it stores. */
  sightings: SightingEvents;
  /** Where Frigate cameras' statuses go (the hub's camera statuses: dashboard, MQTT). */
  reportCamera?: (s: CameraStatus) => void;
  logger: Logger;
  metrics?: FrigateMetrics;
  /** vision.cropSize: the face crop kept with a sighting. */
  cropSize: number;
  /** Tests may wrap these. */
  fetch?: typeof fetch;
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

/**
 * Frigate companion mode (docs/frigate.md), in the hub role: Frigate's MQTT events in
 * (FrigateEventsSubscriber), snapshots fetched and folded into one sighting per event
 * (FrigateEventFolder, through the hub), names written back as sub_labels (FrigateSubLabels),
 * Frigate cameras listed beside facestream's own (FrigateCameras). start() never fails for an
 * absent broker or Frigate: both are retried in the background.
 */
export class FrigateService {
  readonly client: FrigateClient;
  readonly subscriber: FrigateEventsSubscriber;
  readonly folder: FrigateEventFolder;
  readonly cameras: FrigateCameras;
  readonly subLabels: FrigateSubLabels | undefined;
  private closing: Promise<void> | undefined;
  private listing: Promise<void> | undefined;

  constructor(private readonly config: FrigateConfig, private readonly deps: FrigateServiceDeps) {
    const { logger, metrics } = deps;
    this.client = new FrigateClient(config, deps.fetch);
    this.subscriber = new FrigateEventsSubscriber(config, { logger, connect: deps.connect });
    this.folder = new FrigateEventFolder(config, { analyzer: deps.analyzer, hub: deps.hub, snapshots: this.client, logger, metrics, cropSize: deps.cropSize });
    this.cameras = new FrigateCameras({ url: config.url, cameraId: (n) => this.folder.cameraId(n), follows: (n) => this.folder.follows(n) }, (s) => deps.reportCamera?.(s));
    this.subLabels = config.subLabel
      ? new FrigateSubLabels({ sightings: deps.sightings, target: this.client, isFrigateCamera: (id) => this.cameras.isFrigateCamera(id), logger, metrics })
      : undefined;
  }

  start(): void {
    const { logger, metrics } = this.deps;
    const { config } = this;
    logger.info({ url: maskUrl(config.url), broker: maskUrl(config.mqttUrl), topicPrefix: config.topicPrefix, cameras: config.cameras.length ? config.cameras : 'all', subLabel: config.subLabel }, 'frigate companion mode starting');
    for (const name of config.cameras) this.cameras.add(name);
    this.subscriber.on('event', (m) => { this.cameras.add(m.after.camera); this.folder.onMessage(m); });
    this.subscriber.on('invalid', () => metrics?.dropped.inc({ camera: '', reason: 'invalid' }));
    this.subscriber.on('connection', (up) => { metrics?.brokerUp.set(up ? 1 : 0); this.cameras.brokerConnection(up); });
    this.subscriber.on('available', (online) => {
      this.cameras.frigateAvailable(online);
      if (online) this.listCameras();
    });
    this.folder.on('activity', (a) => this.cameras.activity(a));
    this.subLabels?.start();
    this.cameras.start();
    this.folder.start();
    this.subscriber.start();
    this.listCameras();
  }

  /** Frigate's cameras (GET /api/config), in the background: the dashboard lists them before their first event. */
  private listCameras(): void {
    if (this.listing || this.closing) return;
    this.listing = this.client.cameras().then(
      (names) => { for (const n of names) this.cameras.add(n); },
      (e: Error) => this.deps.logger.warn({ err: e.message }, 'frigate: camera list not read (cameras appear with their first event)'),
    ).finally(() => { this.listing = undefined; });
  }

  /**
   * Stop: no more messages; the snapshot in flight finishes; every open event's track closes
   * (final sightings, through the hub, before the hub closes); queued sub_labels are sent; then
   * the broker connection ends. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const errors: unknown[] = [];
      const step = async (f: () => unknown) => { try { await f(); } catch (e) { errors.push(e); } };
      await step(() => this.subscriber.close());
      await step(() => this.folder.close());
      // the hub hands final sightings to its sink in a microtask: let the sighting service announce them
      await new Promise((ok) => setImmediate(ok));
      await step(() => this.subLabels?.close());
      await step(() => this.listing);
      await step(() => this.cameras.close());
      if (errors.length) throw new AggregateError(errors, 'frigate companion: close failed');
    })();
    return this.closing;
  }
}
