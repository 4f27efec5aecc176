import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const latencyStages = ['detected', 'identified', 'emitted'] as const;
export type LatencyStage = (typeof latencyStages)[number];

/**
 * Per-stage pipeline metrics on a registry handed in (never prom-client's global default,
 * so several roles and tests in one process do not collide).
 */
export class PipelineMetrics {
  readonly framesIn: Counter<'camera'>;
  readonly framesProcessed: Counter<'camera'>;
  readonly framesDropped: Counter<'camera' | 'reason'>;
  readonly framesStill: Counter<'camera'>;
  readonly facesDetected: Counter<'camera'>;
  readonly facesEmbedded: Counter<'camera'>;
  /** Faces the confirming model (two witnesses) embedded: those the proposer could name. */
  readonly facesConfirmed: Counter<'camera'>;
  /** Faces the proposer could name that the confirm budget left unconfirmed (vision.confirmWindowMs). */
  readonly facesConfirmSkipped: Counter<'camera'>;
  readonly queueDepth: Gauge<'queue'>;
  readonly queueActive: Gauge<'queue'>;
  /** Embedded faces by identification outcome: known, unknown, ambiguous (hub). */
  readonly identifications: Counter<'camera' | 'outcome'>;
  /** Seconds from capture to the end of each stage. */
  readonly latency: Histogram<'stage'>;
  /** Frames per detection call of a vision worker (vision.batchSize > 1). */
  readonly visionBatchFrames: Histogram;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.framesIn = new Counter({ name: 'facestream_frames_in_total', help: 'Frames delivered by ffmpeg', labelNames: ['camera'], registers });
    this.framesProcessed = new Counter({ name: 'facestream_frames_processed_total', help: 'Frames analysed by vision workers', labelNames: ['camera'], registers });
    this.framesDropped = new Counter({ name: 'facestream_frames_dropped_total', help: 'Frames dropped: backpressure, too_old, expired, failed', labelNames: ['camera', 'reason'], registers });
    this.framesStill = new Counter({ name: 'facestream_frames_still_total', help: 'Frames not analysed because nothing moved and the camera had no open track (motion gate)', labelNames: ['camera'], registers });
    this.facesDetected = new Counter({ name: 'facestream_faces_detected_total', help: 'Faces detected', labelNames: ['camera'], registers });
    this.facesEmbedded = new Counter({ name: 'facestream_faces_embedded_total', help: 'Faces embedded (after quality gate and embedding budget)', labelNames: ['camera'], registers });
    this.facesConfirmed = new Counter({ name: 'facestream_faces_confirmed_total', help: 'Faces the confirming model embedded (two witnesses: faces the proposer could name)', labelNames: ['camera'], registers });
    this.facesConfirmSkipped = new Counter({ name: 'facestream_faces_confirm_skipped_total', help: 'Faces the proposer could name that were not confirmed: the confirmer ran at the same place within vision.confirmWindowMs (no vote at the hub)', labelNames: ['camera'], registers });
    this.queueDepth = new Gauge({ name: 'facestream_queue_depth', help: 'Jobs waiting per queue', labelNames: ['queue'], registers });
    this.queueActive = new Gauge({ name: 'facestream_queue_active', help: 'Jobs being processed per queue', labelNames: ['queue'], registers });
    this.identifications = new Counter({ name: 'facestream_identifications_total', help: 'Embedded faces identified by the hub, by outcome (known, unknown, ambiguous, unconfirmed: confirmSkipped, no vote)', labelNames: ['camera', 'outcome'], registers });
    this.latency = new Histogram({
      name: 'facestream_stage_latency_seconds', help: 'Capture to end of stage', labelNames: ['stage'], registers,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
    });
    this.visionBatchFrames = new Histogram({
      name: 'facestream_vision_batch_frames', help: 'Frames per detection call of a vision worker (vision.batchSize)', registers,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    });
  }

  observeLatency(stage: LatencyStage, capturedAt: number, now = Date.now()): void {
    this.latency.observe({ stage }, Math.max(0, now - capturedAt) / 1000);
  }
}
