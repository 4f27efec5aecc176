import type { CameraConfig } from '../config/schema.js';

/** Callbacks of a running source. `exit` is called at most once, never after stop(). */
export interface FrameSourceHandlers {
  frame(jpeg: Buffer): void;
  exit(reason: string): void;
}

/** One attempt at reading a camera (e.g. one ffmpeg child). Restarting = a new source. */
export interface FrameSource {
  start(): void;
  /** Stop and release everything; idempotent; no handler is called afterwards. */
  stop(): void;
}

export type FrameSourceFactory = (camera: CameraConfig, handlers: FrameSourceHandlers) => FrameSource;
