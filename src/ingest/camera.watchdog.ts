import type { CameraConfig } from '../config/schema.js';
import type { CameraState, CameraStatus } from '../contracts/camera.schema.js';
import { backoffDelay } from '../common/backoff.js';
import type { Clock } from '../common/clock.js';
import type { FrameSource, FrameSourceFactory } from './frame-source.js';
import { maskUrl } from '../common/mask-url.js';

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

/**
 * Outage lengths at which a camera that is still down is logged again: 30 s, 1 min, 2 min,
 * 5 min, 10 min, then every 10 min (20, 30, ... min).
 */
export const cameraReminderMs: readonly number[] = [30_000, 60_000, 120_000, 300_000, 600_000];
const REMINDER_EVERY_MS = 600_000;
/** New failure reasons within one outage logged at once; later ones show in the reminders. */
const MAX_REASON_LINES = 3;

export interface CameraLogLine {
  level: 'debug' | 'info' | 'warn';
  msg: string;
  fields: Record<string, unknown>;
}

/** What a person cares about: a reconnect attempt is part of being offline. */
type Condition = 'connecting' | 'online' | 'offline' | 'stopped';
const conditionOf = (s: CameraStatus): Condition => (s.state === 'reconnecting' ? 'offline' : s.state);

/** ffmpeg prefixes lines with its context's address ([rtsp @ 0x55d0...]): not a different reason. */
const reasonKey = (reason: string): string => reason.replace(/0x[0-9a-f]+/gi, '0x');
const seconds = (ms: number): number => (ms < 10_000 ? Math.round(ms / 100) / 10 : Math.round(ms / 1000));
/** 42 s, 3 min, 1 h 20 min (rounded down). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/**
 * Decides which camera statuses are worth a log line: every change of a camera's condition
 * (connecting, online, offline, stopped) once, a new failure reason during an outage, and
 * reminders while a camera stays offline (cameraReminderMs), never every status tick. Time is
 * the statuses' updatedAt (the watchdog's Clock).
 */
export class CameraStatusLog {
  private readonly cameras = new Map<string, { condition: Condition; since: number; reminders: number; reasons: Set<string> }>();

  /** The line to log for this status, or null when it says nothing new. */
  next(s: CameraStatus): CameraLogLine | null {
    const now = s.updatedAt;
    const condition = conditionOf(s);
    const id = s.cameraId;
    const reason = s.lastError ?? 'unknown reason';
    const retry = s.nextRetryAt === null ? null : seconds(Math.max(0, s.nextRetryAt - now));
    const retryText = retry === null ? 'retrying now' : `retry in ${retry} s`;
    const prev = this.cameras.get(id);
    if (!prev || prev.condition !== condition) {
      this.cameras.set(id, { condition, since: now, reminders: 0, reasons: new Set(condition === 'offline' ? [reasonKey(reason)] : []) });
      const base = { camera: id, state: condition, reconnects: s.reconnects };
      switch (condition) {
        case 'offline':
          return { level: 'warn', msg: `camera ${id} offline: ${reason} (${retryText})`, fields: { ...base, reason, retryInS: retry } };
        case 'online':
          return prev?.condition === 'offline'
            ? { level: 'info', msg: `camera ${id} online again after ${humanDuration(now - prev.since)} offline`, fields: { ...base, offlineForS: Math.round((now - prev.since) / 1000) } }
            : { level: 'info', msg: `camera ${id} online`, fields: base };
        case 'connecting':
          return { level: 'debug', msg: `camera ${id} connecting`, fields: base };
        case 'stopped':
          return { level: 'info', msg: `camera ${id} stopped`, fields: base };
      }
    }
    if (condition !== 'offline') return null;
    const fields = { camera: id, state: condition, reason, reconnects: s.reconnects, retryInS: retry, offlineForS: Math.round((now - prev.since) / 1000) };
    if (!prev.reasons.has(reasonKey(reason)) && prev.reasons.size < MAX_REASON_LINES) {
      prev.reasons.add(reasonKey(reason));
      return { level: 'warn', msg: `camera ${id} still offline, now: ${reason} (${retryText})`, fields };
    }
    let due = false;
    while (now - prev.since >= this.reminderAt(prev.reminders)) { prev.reminders++; due = true; }
    if (!due) return null;
    return { level: 'warn', msg: `camera ${id} still offline after ${humanDuration(now - prev.since)}: ${reason} (${s.reconnects} reconnects, ${retryText})`, fields };
  }

  /** Drop a removed camera (a camera added again under its id starts afresh). */
  forget(cameraId: string): void { this.cameras.delete(cameraId); }

  /** Outage length of reminder n (0-based). */
  private reminderAt(n: number): number {
    const list = cameraReminderMs;
    if (n < list.length) return list[n]!;
    return list[list.length - 1]! + (n - list.length + 1) * REMINDER_EVERY_MS;
  }
}
