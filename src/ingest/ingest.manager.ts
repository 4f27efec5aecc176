import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { cameraSchema, type CameraConfig, type IngestConfig } from '../config/schema.js';
import type { CameraStatus } from '../contracts/camera.schema.js';
import type { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import { CameraUrlError, checkCameraUrl } from '../common/camera-url.policy.js';
import { CameraStatusLog, CameraWatchdog } from './camera.watchdog.js';
import { systemClock, type Clock } from '../common/clock.js';
import { ffmpegSourceFactory } from './ffmpeg.reader.js';
import type { FrameSourceFactory } from './frame-source.js';
import { maskUrl } from '../common/mask-url.js';
import { MotionGate } from './motion.gate.js';

/** Where frames go: the "frames" queue with backpressure (queue/frames.queue.ts FramesProducer in the roles). */
export interface FramePublisher {
  /** Queue a frame; dropped: older waiting frames of the camera it evicted. */
  publish(cameraId: string, jpeg: Buffer, capturedAt: number): Promise<{ dropped: number }>;
  /** A frame not analysed (the motion gate found it still): the hub still gets its sequence number. */
  skip(cameraId: string, capturedAt: number, reason: 'still'): Promise<unknown>;
}

/** Camera statuses for every process (queue/camera-status.channel.ts in the roles). */
export interface CameraStatusPublisher {
  publish(status: CameraStatus): Promise<void>;
  remove(cameraId: string): Promise<void>;
}

/** Open tracks per camera as the hub last published them (queue/open-tracks.store.ts in the roles). */
export interface OpenTracksReader { count(cameraId: string): Promise<number> }

export interface IngestManagerDeps {
  producer: FramePublisher;
  statuses: CameraStatusPublisher;
  openTracks: OpenTracksReader;
  logger: Logger;
  metrics?: PipelineMetrics;
  createSource?: FrameSourceFactory;
  clock?: Clock;
  /** Republish every camera's status this often (fps, dropped fps), ms (default 2000). */
  statusIntervalMs?: number;
}

export interface IngestEvents { status: [CameraStatus] }

/**
 * All cameras of this ingest: one watchdog (and ffmpeg child) per camera, added and removed
 * at run time. Frames go to the frame publisher; statuses to the camera status publisher
 * (every process sees them). A failing camera only affects itself: every per-camera error is
 * caught, logged and counted here.
 */
export class IngestManager extends EventEmitter<IngestEvents> {
  private readonly cameras = new Map<string, CameraWatchdog>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** Which statuses get a log line: changes and reminders, not every tick. */
  private readonly statusLog = new CameraStatusLog();

  private readonly motion: MotionGate;

  constructor(private readonly config: IngestConfig, private readonly deps: IngestManagerDeps) {
    super();
    // the hub publishes each camera's open tracks; none known = none open
    this.motion = new MotionGate(config, (cameraId) => deps.openTracks.count(cameraId));
  }

  start(): void {
    for (const c of this.config.cameras) if (c.enabled) this.addConfigured(c);
    this.timer = setInterval(() => { for (const w of this.cameras.values()) this.publishStatus(w.status()); }, this.deps.statusIntervalMs ?? 2000);
    this.timer.unref();
  }

  /**
   * A boot camera. Config validation refuses hostile URLs already; one that skipped it (--camera
   * flags) and is refused here stays listed, offline with the E_CAMERA_URL reason, and ffmpeg
   * never starts for it (throwing here would leave the role half started).
   */
  private addConfigured(c: CameraConfig): void {
    try {
      this.addCamera(c);
    } catch (e) {
      if (!(e instanceof CameraUrlError)) throw e;
      const reason = `${e.code}: ${e.message}`;
      this.deps.logger.error({ camera: c.id, err: reason }, 'camera refused');
      this.add(cameraSchema.parse(c), (_camera, handlers) => ({ start: () => handlers.exit(reason), stop: () => {} }));
    }
  }

  /** Add and start a camera; throws E_CAMERA_URL for a URL that ingest.allowedSchemes / fileRoots refuse. */
  addCamera(input: CameraConfig): CameraStatus {
    if (this.closed) throw new Error('IngestManager is closed');
    const camera = cameraSchema.parse(input);
    checkCameraUrl(camera.url, this.config);
    return this.add(camera, this.deps.createSource ?? ffmpegSourceFactory({ jpegQuality: this.config.jpegQuality, maxWidth: this.config.maxWidth, policy: this.config }));
  }

  private add(camera: CameraConfig, createSource: FrameSourceFactory): CameraStatus {
    if (this.cameras.has(camera.id)) throw new Error(`camera ${camera.id} already exists`);
    const watchdog = new CameraWatchdog(camera, this.config, {
      createSource,
      clock: this.deps.clock ?? systemClock,
      onFrame: (jpeg, at) => this.onFrame(watchdog, jpeg, at),
      onStatus: (s) => this.publishStatus(s),
    });
    this.cameras.set(camera.id, watchdog);
    this.deps.logger.info({ camera: camera.id, url: maskUrl(camera.url), fps: camera.sampleFps }, 'camera added');
    watchdog.start();
    return watchdog.status();
  }

  async removeCamera(id: string): Promise<boolean> {
    const w = this.cameras.get(id);
    if (!w) return false;
    this.cameras.delete(id);
    w.close();
    await this.inFlight.get(id);
    this.motion.removeCamera(id);
    this.statusLog.forget(id);
    await this.deps.statuses.remove(id).catch(() => 0);
    this.deps.logger.info({ camera: id }, 'camera removed');
    return true;
  }

  statuses(): CameraStatus[] {
    return [...this.cameras.values()].map((w) => w.status());
  }

  private onFrame(w: CameraWatchdog, jpeg: Buffer, capturedAt: number): void {
    const id = w.camera.id;
    this.deps.metrics?.framesIn.inc({ camera: id });
    // Frames of one camera are published in order; a frame arriving while the previous one
    // is still being written is dropped (Redis slower than the camera = overload too).
    if (this.inFlight.has(id)) {
      w.recordDropped(1);
      this.deps.metrics?.framesDropped.inc({ camera: id, reason: 'backpressure' });
      return;
    }
    const p = this.motion.decide(id, jpeg, capturedAt).then(async (decision) => {
      if (decision === 'still') {
        this.deps.metrics?.framesStill.inc({ camera: id });
        await this.deps.producer.skip(id, capturedAt, 'still');
        return;
      }
      const { dropped } = await this.deps.producer.publish(id, jpeg, capturedAt);
      if (dropped) {
        w.recordDropped(dropped);
        this.deps.metrics?.framesDropped.inc({ camera: id, reason: 'backpressure' }, dropped);
      }
    }).catch((e: Error) => {
      w.recordDropped(1);
      this.deps.logger.warn({ camera: id, err: e.message }, 'frame not queued');
    }).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, p);
  }

  private publishStatus(s: CameraStatus): void {
    this.emit('status', s);
    // a change (or a reminder of a camera still offline) once; every tick only at debug
    const line = this.statusLog.next(s);
    if (line) this.deps.logger[line.level](line.fields, line.msg);
    else this.deps.logger.debug({ camera: s.cameraId, state: s.state, reason: s.lastError, reconnects: s.reconnects, fps: s.fps }, 'camera status');
    this.deps.statuses.publish(s)
      .catch(() => { /* Redis down: the next status (every few seconds) will try again */ });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const errors: unknown[] = [];
    for (const w of this.cameras.values()) {
      try { w.close(); } catch (e) { errors.push(e); }
    }
    this.cameras.clear();
    await Promise.allSettled([...this.inFlight.values()]);
    if (errors.length) throw new AggregateError(errors, 'IngestManager.close: some cameras failed to stop');
  }
}
