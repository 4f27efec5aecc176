import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { FrigateConfig } from '../config/schema.js';
import type { PersonMatch } from '../contracts/match.js';
import type { FrigateDropReason, FrigateMetrics } from '../metrics/frigate.metrics.js';
import type { FaceIdentity, TrackerOptions, TrackInputFace } from '../track/face.tracker.js';
import type { AnalyzedFace, AnalyzeOptions, AnalyzeResult } from '../vision/face.pipeline.js';
import { chipJpeg } from '../vision/vision.worker.js';
import { frigateCameraPattern, snapshotMark, type FrigateEventMessage, type SnapshotMark } from './frigate-event.schema.js';
import { FrigateHttpError } from './frigate.client.js';

/** facestream's photo path (FacePipeline.analyzePhoto: detect, align, quality gate, embed, both witnesses' embeddings). */
export interface PhotoAnalyzer {
  analyzePhoto(input: Buffer, options?: AnalyzeOptions): Promise<AnalyzeResult>;
}

/** A tracker whose tracks are keyed by the caller (CameraTracker.updateTrack / closeTrack). */
export interface KeyedTracker {
  updateTrack(trackId: string, frame: { seq: number; capturedAt: number }, face: TrackInputFace): FaceIdentity;
  closeTrack(trackId: string): boolean;
}

/** What the folder needs from the hub (Hub satisfies it): its identifier and its sighting path. */
export interface FrigateTrackHost {
  externalTracker(cameraId: string, options?: Partial<TrackerOptions>): KeyedTracker;
  identifyFace(cameraId: string, embedding: Float32Array, confirmEmbedding?: Float32Array): Promise<PersonMatch | null | undefined>;
}

export interface SnapshotSource {
  snapshot(eventId: string): Promise<Buffer>;
}

/** What happened to a Frigate camera's work (camera status on the dashboard). */
export type FolderActivity =
  | { camera: string; kind: 'event' }
  | { camera: string; kind: 'analysed'; faces: number }
  | { camera: string; kind: 'failed'; error: string }
  | { camera: string; kind: 'dropped'; reason: FrigateDropReason };

export type FolderOptions = Pick<FrigateConfig, 'cameras' | 'cameraIdPrefix' | 'maxFetchesPerEvent' | 'cameraFetchesPerMinute' | 'maxOpenEvents' | 'eventTimeoutS'>;

export interface FolderDeps {
  analyzer: PhotoAnalyzer;
  hub: FrigateTrackHost;
  snapshots: SnapshotSource;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  metrics?: FrigateMetrics;
  /** Side of the face crop JPEG kept with a sighting (vision.cropSize, as for camera faces). */
  cropSize: number;
  now?: () => number;
}

interface EventState {
  id: string;
  camera: string;
  cameraId: string;
  /** The newest snapshot not analysed yet (null: nothing to fetch). */
  wanted: (SnapshotMark & { key: string; attempts: number; retryAt: number }) | null;
  /** The snapshot being fetched or analysed now. */
  inFlight: string | null;
  /** Snapshots already analysed (or given up on). */
  seen: Set<string>;
  fetches: number;
  seq: number;
  busy: boolean;
  ended: boolean;
  endedAt: number;
  lastMessageAt: number;
}

/** How long an ended event waits for its camera's fetch window before its last snapshot is dropped. */
const endGraceMs = 60_000;
/** A failed fetch is tried once more after this long (Frigate restarting, a blip). */
const retryDelayMs = 2000;
const tickMs = 500;

/**
 * Frigate events -> facestream sightings: one Frigate event (a tracked `person`) is one track of
 * the hub, keyed by the event id. For every better snapshot Frigate announces (new, update, end),
 * the snapshot is fetched and run through the photo path; the event's main face is identified by
 * the hub's identifier and fed to the hub's tracker for that Frigate camera, so votes, the split
 * rule, look-alike margins, correction evidence, stranger clusters and the one sighting service
 * apply exactly as to a camera track. The track is confirmed on its first embedded face and
 * closed when Frigate ends the event (or after eventTimeoutS of silence).
 *
 * Bounded: one snapshot at a time (the hub's engine), at most maxFetchesPerEvent per event and
 * cameraFetchesPerMinute per camera, at most maxOpenEvents events; a waiting snapshot is replaced
 * by a better one; every piece of work not done is counted (facestream_frigate_dropped_total).
 * Nothing here throws into the caller: a failed fetch or analysis is logged and counted.
 */
export class FrigateEventFolder extends EventEmitter<{ activity: [FolderActivity] }> {
  private readonly events = new Map<string, EventState>();
  private readonly trackers = new Map<string, KeyedTracker>();
  /** Per camera: start times of its fetches in the last minute. */
  private readonly windows = new Map<string, number[]>();
  private readonly cameraFilter: Set<string> | undefined;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  readonly counts = { messages: 0, fetched: 0, failed: 0, analysed: 0, faces: 0, dropped: 0, closed: 0 };

  constructor(private readonly options: FolderOptions, private readonly deps: FolderDeps) {
    super();
    this.cameraFilter = options.cameras.length ? new Set(options.cameras) : undefined;
    this.now = deps.now ?? Date.now;
  }

  /** The facestream camera id of a Frigate camera. */
  cameraId(camera: string): string { return `${this.options.cameraIdPrefix}${camera}`; }

  /** Whether companion mode follows this Frigate camera. */
  follows(camera: string): boolean {
    return frigateCameraPattern.test(camera) && (!this.cameraFilter || this.cameraFilter.has(camera));
  }

  get openEvents(): number { return this.events.size; }

  start(): void {
    if (this.timer || this.closing) return;
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** One `<prefix>/events` message. */
  onMessage(msg: FrigateEventMessage): void {
    if (this.closing) return;
    const o = msg.after;
    if (o.label !== 'person' || !this.follows(o.camera) || o.false_positive === true) return;
    this.counts.messages++;
    this.deps.metrics?.events.inc({ camera: o.camera, type: msg.type });
    const now = this.now();
    let e = this.events.get(o.id);
    if (!e) {
      // an end for an event never followed (missed while away, or dropped) has nothing to close
      if (msg.type === 'end' && o.has_snapshot !== true) return;
      if (this.events.size >= this.options.maxOpenEvents) { this.drop(o.camera, 'too_many_events'); return; }
      e = { id: o.id, camera: o.camera, cameraId: this.cameraId(o.camera), wanted: null, inFlight: null, seen: new Set(), fetches: 0, seq: 0, busy: false, ended: false, endedAt: 0, lastMessageAt: now };
      this.events.set(o.id, e);
      this.deps.metrics?.openEvents.set(this.events.size);
      this.deps.logger.debug({ camera: o.camera, event: o.id }, 'frigate: following an event');
    }
    e.lastMessageAt = now;
    this.emit('activity', { camera: o.camera, kind: 'event' });
    const mark = snapshotMark(o);
    const key = mark.key ?? (msg.type === 'new' ? 'new' : null);
    // after the end Frigate serves only the stored snapshot: there is one only with has_snapshot
    const fetchable = msg.type !== 'end' || o.has_snapshot === true;
    if (key !== null && fetchable && !e.seen.has(key) && e.inFlight !== key && e.wanted?.key !== key) this.want(e, { ...mark, key });
    if (msg.type === 'end' && !e.ended) { e.ended = true; e.endedAt = now; }
    this.pump();
  }

  private want(e: EventState, mark: SnapshotMark & { key: string }): void {
    if (e.wanted) { this.drop(e.camera, 'superseded'); e.seen.add(e.wanted.key); e.wanted = null; }
    if (e.fetches >= this.options.maxFetchesPerEvent) { this.drop(e.camera, 'event_limit'); e.seen.add(mark.key); return; }
    e.wanted = { ...mark, attempts: 0, retryAt: 0 };
  }

  private drop(camera: string, reason: FrigateDropReason): void {
    this.counts.dropped++;
    this.deps.metrics?.dropped.inc({ camera, reason });
    this.emit('activity', { camera, kind: 'dropped', reason });
  }

  /** Whether the camera may start a fetch now (its fetches of the last minute). */
  private windowOpen(camera: string, now: number): boolean {
    const w = (this.windows.get(camera) ?? []).filter((t) => now - t < 60_000);
    this.windows.set(camera, w);
    return w.length < this.options.cameraFetchesPerMinute;
  }

  private tick(): void {
    const now = this.now();
    for (const e of this.events.values()) {
      if (!e.ended && now - e.lastMessageAt > this.options.eventTimeoutS * 1000) {
        this.deps.logger.info({ camera: e.camera, event: e.id, silentS: Math.round((now - e.lastMessageAt) / 1000) }, 'frigate: no message for the event in eventTimeoutS; closing it');
        e.ended = true;
        e.endedAt = now;
      }
      if (e.ended && e.wanted && !e.busy && now - e.endedAt > endGraceMs) {
        this.drop(e.camera, e.wanted.attempts > 0 ? 'fetch_failed' : 'rate_limited');
        e.wanted = null;
      }
      if (e.ended && !e.wanted && !e.busy) this.finish(e);
    }
    this.pump();
  }

  /** Start the next snapshot when none is in flight: the oldest followed event with a waiting snapshot whose camera has a fetch slot. */
  private pump(): void {
    if (this.running || this.closing) return;
    const now = this.now();
    let next: EventState | undefined;
    for (const e of this.events.values()) {
      if (e.busy || !e.wanted || e.wanted.retryAt > now || !this.windowOpen(e.camera, now)) continue;
      next ??= e;
    }
    if (!next) return;
    const e = next, mark = e.wanted!;
    e.wanted = null;
    e.inFlight = mark.key;
    e.busy = true;
    e.fetches++;
    mark.attempts++;
    this.windows.get(e.camera)!.push(now);
    this.running = this.process(e, mark).catch((err: Error) => {
      this.deps.logger.error({ camera: e.camera, event: e.id, err: err.message }, 'frigate: snapshot work failed');
    }).finally(() => {
      e.busy = false;
      e.inFlight = null;
      this.running = undefined;
      if (e.ended && !e.wanted) this.finish(e);
      this.pump();
    });
  }

  private async process(e: EventState, mark: NonNullable<EventState['wanted']>): Promise<void> {
    let jpeg: Buffer;
    try {
      jpeg = await this.deps.snapshots.snapshot(e.id);
    } catch (err) {
      this.counts.failed++;
      const message = (err as Error).message;
      this.deps.metrics?.snapshots.inc({ camera: e.camera, outcome: 'failed' });
      this.emit('activity', { camera: e.camera, kind: 'failed', error: message });
      const transient = err instanceof FrigateHttpError && err.transient;
      this.deps.logger.warn({ camera: e.camera, event: e.id, err: message, retry: transient && mark.attempts < 2 }, 'frigate: snapshot not fetched');
      e.seen.add(mark.key);
      // a better snapshot arrived meanwhile: that one is fetched instead
      if (e.wanted) return;
      if (transient && mark.attempts < 2 && e.fetches < this.options.maxFetchesPerEvent) {
        e.seen.delete(mark.key);
        e.wanted = { ...mark, retryAt: this.now() + retryDelayMs };
        return;
      }
      this.drop(e.camera, 'fetch_failed');
      return;
    }
    this.counts.fetched++;
    this.deps.metrics?.snapshots.inc({ camera: e.camera, outcome: 'fetched' });
    e.seen.add(mark.key);
    try {
      await this.analyse(e, mark, jpeg);
    } catch (err) {
      this.counts.failed++;
      this.emit('activity', { camera: e.camera, kind: 'failed', error: (err as Error).message });
      this.deps.logger.warn({ camera: e.camera, event: e.id, err: (err as Error).message }, 'frigate: snapshot not analysed');
    }
  }

  /** The photo path on one snapshot; its main face joins the event's track. */
  private async analyse(e: EventState, mark: SnapshotMark, jpeg: Buffer): Promise<void> {
    const r = await this.deps.analyzer.analyzePhoto(jpeg, { keepChips: true, signatures: true });
    this.counts.analysed++;
    this.emit('activity', { camera: e.camera, kind: 'analysed', faces: r.faces.length });
    const face = mainFace(r);
    if (!face) {
      this.deps.logger.debug({ camera: e.camera, event: e.id, faces: 0 }, 'frigate: no face on the snapshot');
      return;
    }
    this.counts.faces++;
    const embedding = face.embedding;
    const match = embedding ? await this.deps.hub.identifyFace(e.cameraId, embedding, face.confirmEmbedding) : undefined;
    const crop = embedding && face.chip ? await chipJpeg(face.chip, this.deps.cropSize) : undefined;
    const capturedAt = mark.frameTime !== null ? Math.round(mark.frameTime * 1000) : this.now();
    const identity = this.trackerOf(e.cameraId).updateTrack(e.id, { seq: e.seq++, capturedAt }, {
      box: face.box, score: face.score, quality: face.quality, embedding, confirmEmbedding: face.confirmEmbedding, match, crop, appearance: face.appearance,
    });
    this.deps.logger.debug({ camera: e.camera, event: e.id, embedded: embedding !== undefined, name: identity.name, reason: match?.reason }, 'frigate: face fed to the event\'s track');
  }

  private trackerOf(cameraId: string): KeyedTracker {
    let t = this.trackers.get(cameraId);
    if (!t) {
      // a Frigate event is one track already: its first embedded face confirms the sighting
      t = this.deps.hub.externalTracker(cameraId, { minFrames: 1 });
      this.trackers.set(cameraId, t);
    }
    return t;
  }

  private finish(e: EventState): void {
    if (this.events.get(e.id) !== e) return;
    this.events.delete(e.id);
    this.deps.metrics?.openEvents.set(this.events.size);
    this.counts.closed++;
    this.trackers.get(e.cameraId)?.closeTrack(e.id);
  }

  /** Stop taking messages, let the snapshot in flight finish, drop what waits (counted), close every open event's track (final sightings). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      await this.running?.catch(() => {});
      for (const e of [...this.events.values()]) {
        if (e.wanted) this.drop(e.camera, 'closing');
        e.wanted = null;
        this.finish(e);
      }
    })();
    return this.closing;
  }
}

/**
 * The face the event is about: a person crop may hold other faces (someone behind), so the
 * largest face wins, discounted by how far its centre lies from the picture's vertical centre
 * line (the tracked person is centred in Frigate's crop).
 */
export function mainFace(r: Pick<AnalyzeResult, 'width' | 'faces'>): AnalyzedFace | undefined {
  let best: { f: AnalyzedFace; s: number } | undefined;
  const half = r.width / 2 || 1;
  for (const f of r.faces) {
    const off = Math.min(1, Math.abs(f.box.x + f.box.width / 2 - half) / half);
    const s = f.box.width * f.box.height * (1 - 0.5 * off);
    if (!best || s > best.s) best = { f, s };
  }
  return best?.f;
}
