import type { CameraConfig } from '../config/schema.js';
import type { CameraState, CameraStatus } from '../contracts/camera.schema.js';
import { backoffDelay } from './backoff.js';
import type { Clock } from '../common/clock.js';
import type { FrameSource, FrameSourceFactory } from './frame-source.js';
import { maskUrl } from './mask-url.js';

export interface WatchdogOptions {
  stallTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export interface WatchdogDeps {
  createSource: FrameSourceFactory;
  clock: Clock;
  random?: () => number;
  onFrame(jpeg: Buffer, capturedAt: number): void;
  onStatus(status: CameraStatus): void;
}

const RATE_WINDOW_MS = 10_000;

/** Recent events per second over a sliding window. */
class RateMeter {
  private stamps: number[] = [];
  total = 0;
  mark(now: number, n = 1): void {
    for (let i = 0; i < n; i++) this.stamps.push(now);
    this.total += n;
    this.trim(now);
  }
  rate(now: number): number {
    this.trim(now);
    return Math.round((this.stamps.length / (RATE_WINDOW_MS / 1000)) * 100) / 100;
  }
  private trim(now: number): void {
    while (this.stamps.length && this.stamps[0]! < now - RATE_WINDOW_MS) this.stamps.shift();
  }
}

/**
 * Keeps one camera's source running: restarts it when it exits, when it stalls (no frame
 * for stallTimeoutMs, which also covers a source that never delivers) and after failures,
 * with exponential backoff and jitter up to a cap. The attempt counter resets once frames flow.
 */
export class CameraWatchdog {
  private state: CameraState = 'stopped';
  private source: FrameSource | undefined;
  private generation = 0;
  private attempts = 0;
  private reconnects = 0;
  private lastFrameAt: number | null = null;
  private lastError: string | null = null;
  private nextRetryAt: number | null = null;
  private stallTimer: unknown;
  private retryTimer: unknown;
  private readonly frames = new RateMeter();
  private readonly drops = new RateMeter();
  private closed = false;

  constructor(readonly camera: CameraConfig, private readonly options: WatchdogOptions, private readonly deps: WatchdogDeps) {}

  start(): void {
    if (this.closed || this.source) return;
    this.spawn('connecting');
  }

  /** Frames of this camera dropped downstream (backpressure), for the status. */
  recordDropped(n: number): void {
    if (n > 0) this.drops.mark(this.deps.clock.now(), n);
  }

  status(): CameraStatus {
    const now = this.deps.clock.now();
    return {
      version: 1, cameraId: this.camera.id, name: this.camera.name ?? this.camera.id, url: maskUrl(this.camera.url),
      state: this.state, lastFrameAt: this.lastFrameAt, fps: this.frames.rate(now), droppedFps: this.drops.rate(now),
      framesTotal: this.frames.total, droppedTotal: this.drops.total, reconnects: this.reconnects,
      lastError: this.lastError, nextRetryAt: this.nextRetryAt, updatedAt: now,
    };
  }

  private emit(): void { this.deps.onStatus(this.status()); }

  private spawn(state: CameraState): void {
    const gen = ++this.generation;
    this.state = state;
    this.nextRetryAt = null;
    this.emit();
    const source = this.deps.createSource(this.camera, {
      frame: (jpeg) => { if (gen === this.generation) this.onFrame(jpeg); },
      exit: (reason) => { if (gen === this.generation) this.fail(reason); },
    });
    this.source = source;
    this.armStall();
    try {
      source.start();
    } catch (e) {
      this.fail(`cannot start: ${maskUrl((e as Error).message)}`);
    }
  }

  private armStall(): void {
    this.deps.clock.clearTimeout(this.stallTimer);
    const gen = this.generation;
    this.stallTimer = this.deps.clock.setTimeout(() => {
      if (gen !== this.generation || this.closed) return;
      this.fail(this.lastFrameAt === null || this.state !== 'online'
        ? `no frame within ${this.options.stallTimeoutMs} ms (source unreachable or silent)`
        : `stalled: no frame for ${this.options.stallTimeoutMs} ms`);
    }, this.options.stallTimeoutMs);
  }

  private onFrame(jpeg: Buffer): void {
    const now = this.deps.clock.now();
    this.lastFrameAt = now;
    this.frames.mark(now);
    this.armStall();
    if (this.state !== 'online') {
      this.state = 'online';
      this.attempts = 0;
      this.emit();
    }
    this.deps.onFrame(jpeg, now);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.generation++; // late callbacks of the failed source are ignored
    this.deps.clock.clearTimeout(this.stallTimer);
    const old = this.source;
    this.source = undefined;
    try { old?.stop(); } catch { /* best effort: the source is gone either way */ }
    this.attempts++;
    const delay = backoffDelay(this.attempts, this.options.backoffInitialMs, this.options.backoffMaxMs, this.deps.random);
    this.state = 'offline';
    this.lastError = maskUrl(reason);
    this.nextRetryAt = this.deps.clock.now() + delay;
    this.emit();
    this.retryTimer = this.deps.clock.setTimeout(() => {
      if (this.closed) return;
      this.reconnects++;
      this.spawn('reconnecting');
    }, delay);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.deps.clock.clearTimeout(this.stallTimer);
    this.deps.clock.clearTimeout(this.retryTimer);
    try { this.source?.stop(); } finally {
      this.source = undefined;
      this.state = 'stopped';
      this.nextRetryAt = null;
      this.emit();
    }
  }
}
