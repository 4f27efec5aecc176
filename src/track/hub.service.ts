import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { TrackConfig } from '../config/schema.js';
import { facesJobSchema, type FacesJob } from '../contracts/faces.schema.js';
import type { JobConsumer } from '../contracts/job.js';
import type { SightingUpdate } from '../contracts/sighting.schema.js';
import type { PersonMatch } from '../contracts/match.js';
import { systemClock, type Clock } from '../common/clock.js';
import type { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import { sceneDistance } from '../common/signature-distance.js';
import { CameraTracker, type FaceIdentity, type TrackerOptions, type TrackInputFace } from './face.tracker.js';
import type { Identifier, SightingSink } from './identifier.js';
import { ReorderBuffer } from './reorder.buffer.js';
import { UnknownClusterer } from './unknown.clusterer.js';

export interface HubEvents {
  /** A track was confirmed (status confirmed) or closed (status closed, final). */
  sighting: [SightingUpdate];
  /** Every frame result, in sequence order per camera (live overlays), with each face's gallery match and shown identity. */
  frame: [FacesJob, HubFace[]];
}

/** A face as the hub saw it: its own gallery match and who it is shown as (a name only when earned). */
export interface HubFace extends TrackInputFace {
  /** Absent on skipped frames (no tracking). */
  identity?: FaceIdentity;
}

/** Open tracks per camera, for the ingest's motion gate (queue/open-tracks.store.ts in the roles). */
export interface OpenTracksWriter { write(counts: readonly (readonly [cameraId: string, open: number])[]): Promise<void> }

export interface HubDeps {
  /** The "faces" queue (queue/faces.queue.ts FacesInbox); omit to feed results by hand (handle()). */
  inbox?: JobConsumer<FacesJob, void>;
  /** Where open tracks are published; omit when no ingest reads them. */
  openTracks?: OpenTracksWriter;
  identifier: Identifier;
  sink?: SightingSink;
  logger: Logger;
  metrics?: PipelineMetrics;
  clock?: Clock;
  /** How late a frame result may still arrive (capture to hub), ms: tracks of a silent camera close after closeAfterMs plus this. */
  maxLagMs?: number;
}

/**
 * The hub: consumes "faces" (one consumer, in order per camera through a reorder buffer),
 * identifies embedded faces through the Identifier, tracks them per camera and emits one
 * sighting per track (EventEmitter + SightingSink).
 */
export class Hub extends EventEmitter<HubEvents> {
  private consuming = false;
  private readonly trackers = new Map<string, CameraTracker>();
  private readonly buffers = new Map<string, ReorderBuffer<FacesJob>>();
  private readonly latest = new Map<string, number>();
  private readonly clusterer: UnknownClusterer;
  private readonly clock: Clock;
  private timer: ReturnType<typeof setInterval> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly scenes = new Map<string, number[]>();
  /** Open tracks per camera as last published for the ingest's motion gate. */
  private readonly publishedOpen = new Map<string, number>();
  private readonly external = new Set<CameraTracker>();
  readonly counts = { frames: 0, faces: 0, identified: 0, late: 0, sightings: 0, sceneCuts: 0 };

  constructor(private readonly config: TrackConfig, private readonly deps: HubDeps) {
    super();
    this.clusterer = new UnknownClusterer(config.unknownClusterDistance);
    this.clock = deps.clock ?? systemClock;
  }

  start(): void {
    if (this.deps.inbox && !this.consuming) {
      this.consuming = true;
      this.deps.inbox.consume((job) => this.handle(job.data), { concurrency: 1 }, {
        error: (err) => this.deps.logger.error({ err: err.message }, 'hub worker error'),
        failed: (job, err) => this.deps.logger.warn({ job: job?.id, err: err.message }, 'faces job failed'),
      });
    }
    this.timer = setInterval(() => { this.serial(() => this.tick()).catch(() => {}); }, 250);
    this.timer.unref();
  }

  /** Validate, identify and track one frame result. */
  handle(data: unknown): Promise<void> {
    const parsed = facesJobSchema.safeParse(data);
    if (!parsed.success) return Promise.reject(parsed.error);
    const job = parsed.data;
    return this.serial(async () => {
      await this.identify(job);
      const buffer = this.bufferOf(job.cameraId);
      const before = buffer.late;
      const ready = buffer.push(job.seq, job, this.clock.now());
      if (buffer.late > before) this.counts.late++;
      this.feed(ready);
    });
  }

  private readonly identifiedFaces = new WeakMap<FacesJob, HubFace[]>();

  private async identify(job: FacesJob): Promise<void> {
    const faces: TrackInputFace[] = [];
    for (const f of job.faces) {
      const embedding = f.embedding ? Float32Array.from(f.embedding) : undefined;
      const confirmEmbedding = f.confirmEmbedding ? Float32Array.from(f.confirmEmbedding) : undefined;
      const match = embedding ? await this.identifyFace(job.cameraId, embedding, confirmEmbedding, f.confirmSkipped) : undefined;
      faces.push({ box: f.box, score: f.score, quality: f.quality, embedding, confirmEmbedding, match, crop: f.crop, appearance: f.appearance });
    }
    this.identifiedFaces.set(job, faces);
    if (!job.skipped) this.deps.metrics?.observeLatency('identified', job.capturedAt, this.clock.now());
  }

  /** Identify one embedded face of a camera as every face of the hub is (the same identifier, counts and metrics). */
  async identifyFace(cameraId: string, embedding: Float32Array, confirmEmbedding?: Float32Array, confirmSkipped = false): Promise<PersonMatch | null | undefined> {
    const match = await this.deps.identifier.identify(embedding, confirmEmbedding, confirmSkipped);
    if (match) this.counts.identified++;
    this.deps.metrics?.identifications.inc({ camera: cameraId, outcome: match === undefined ? 'unconfirmed' : !match ? 'unknown' : match.ambiguous ? 'ambiguous' : 'known' });
    return match;
  }

  /**
   * A tracker for tracks keyed outside the hub (a Frigate event is one track, fed with
   * updateTrack()): the hub's track settings with `options` on top, its stranger clusters and its
   * sighting path (sink, events). The hub's clock never expires these tracks: their
   * owner closes them (closeTrack); the hub closes what is still open when it closes.
   */
  externalTracker(cameraId: string, options: Partial<TrackerOptions> = {}): CameraTracker {
    const t = new CameraTracker(cameraId, { ...this.config, ...options }, this.clusterer, (s) => this.onSighting(s));
    this.external.add(t);
    return t;
  }

  private feed(ready: FacesJob[]): void {
    for (const job of ready) {
      this.counts.frames++;
      this.counts.faces += job.faces.length;
      this.latest.set(job.cameraId, Math.max(this.latest.get(job.cameraId) ?? 0, job.capturedAt));
      const faces = this.identifiedFaces.get(job) ?? [];
      if (!job.skipped) {
        const tracker = this.trackerOf(job.cameraId);
        if (this.isSceneCut(job)) { this.counts.sceneCuts++; tracker.cut(); }
        const identities = tracker.update({ seq: job.seq, capturedAt: job.capturedAt, faces });
        faces.forEach((f, i) => { f.identity = identities[i]; });
      }
      this.emit('frame', job, faces);
    }
  }

  /** Release reordered results whose gap waited long enough; close idle tracks. */
  private async tick(): Promise<void> {
    const now = this.clock.now();
    for (const buffer of this.buffers.values()) this.feed(buffer.drain(now));
    for (const [camera, tracker] of this.trackers) {
      // camera time: the newest frame seen, or wall time minus the allowed lag when frames stop
      const cameraNow = Math.max(this.latest.get(camera) ?? 0, now - (this.deps.maxLagMs ?? 5000) - this.config.reorderWindowMs);
      tracker.expire(cameraNow);
    }
    await this.publishOpenTracks();
  }

  /** The ingest's motion gate never skips a camera with an open track: tell it which have one. */
  private async publishOpenTracks(): Promise<void> {
    const store = this.deps.openTracks;
    if (!store) return;
    const changed: [string, number][] = [];
    for (const [camera, tracker] of this.trackers) {
      if (this.publishedOpen.get(camera) === tracker.openTracks) continue;
      this.publishedOpen.set(camera, tracker.openTracks);
      changed.push([camera, tracker.openTracks]);
    }
    if (changed.length) await store.write(changed).catch(() => 0);
  }

  /** The frame's scene signature moved far from the camera's previous frame: a cut, a camera jump. */
  private isSceneCut(job: FacesJob): boolean {
    if (!job.scene) return false;
    const prev = this.scenes.get(job.cameraId);
    this.scenes.set(job.cameraId, job.scene);
    return prev !== undefined && sceneDistance(prev, job.scene) > this.config.sceneCutDistance;
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => {});
    return next;
  }

  private bufferOf(camera: string): ReorderBuffer<FacesJob> {
    let b = this.buffers.get(camera);
    if (!b) { b = new ReorderBuffer(this.config.reorderWindowMs); this.buffers.set(camera, b); }
    return b;
  }

  private trackerOf(camera: string): CameraTracker {
    let t = this.trackers.get(camera);
    if (!t) {
      t = new CameraTracker(camera, this.config, this.clusterer, (s) => this.onSighting(s));
      this.trackers.set(camera, t);
    }
    return t;
  }

  private onSighting(s: SightingUpdate): void {
    this.counts.sightings++;
    this.deps.logger.info({ camera: s.cameraId, sighting: s.id, status: s.status, label: s.label, frames: s.frames }, 'sighting');
    this.deps.metrics?.observeLatency('emitted', s.lastSeen, this.clock.now());
    this.emit('sighting', s);
    const sink = this.deps.sink;
    if (sink) {
      // a sink may be synchronous: a throw must not reach the tracker or lose released frames
      Promise.resolve().then(() => (s.status === 'confirmed' ? sink.save(s) : sink.update(s)))
        .catch((e: Error) => this.deps.logger.error({ sighting: s.id, err: e.message }, 'sighting not stored'));
    }
  }

  /** Stop consuming, then flush buffered results and close every open track (final sightings). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      const errors: unknown[] = [];
      try { await this.deps.inbox?.close(); } catch (e) { errors.push(e); }
      await this.serial(async () => {
        for (const b of this.buffers.values()) this.feed(b.flush());
        for (const t of this.trackers.values()) t.closeAll();
        for (const t of this.external) t.closeAll();
      }).catch((e) => errors.push(e));
      if (errors.length) throw new AggregateError(errors, 'Hub.close failed');
    })();
    return this.closing;
  }
}
