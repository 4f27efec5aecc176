import type { Logger } from 'pino';
import sharp from 'sharp';
import type { VisionConfig } from '../config/schema.js';
import type { FaceResult, FacesJob } from '../contracts/faces.schema.js';
import { frameJobSchema, type FrameJob } from '../contracts/frame.schema.js';
import { PermanentJobError, type JobConsumer, type QueuedJob } from '../contracts/job.js';
import type { AnalyzeOptions, AnalyzeResult, DecisionRules } from './face.pipeline.js';
import { isRgbImage, type ImageInput, type RgbImage } from './decode/image.decoder.js';
import { MicroBatcher } from './micro-batcher.js';
import type { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import type { Chip } from './align/chip.aligner.js';
import { EmbedBudget } from './embed-budget.js';
import { ConfirmBudget } from './confirm-budget.js';
import type { Point } from './align/similarity.js';
import type { ProposalFilter } from './proposal.filter.js';

/** The part of FacePipeline a vision worker needs. */
export interface FrameAnalyzer {
  analyze(image: ImageInput, options: AnalyzeOptions): Promise<AnalyzeResult>;
  embedChips(chips: Chip[]): Promise<Float32Array[]>;
  readonly modelId: string;
  /** Several frames per network call (vision.batchSize > 1); without it frames run one by one. */
  analyzeBatch?(images: ImageInput[], options: AnalyzeOptions): Promise<AnalyzeResult[]>;
  /** Decode before batching, so one bad frame does not fail its batch. */
  decode?(image: ImageInput): Promise<RgbImage>;
  /** Two witnesses: the confirming model's id and embeddings of faces found in an image. */
  readonly confirmModelId?: string | undefined;
  /** The naming rule: the proposer's threshold is the pre-filter's. */
  readonly decisionRules?: DecisionRules;
  embedConfirm?(image: RgbImage, landmarks68: readonly (readonly Point[])[]): Promise<Float32Array[]>;
}

/**
 * The "frames" queue as a vision worker sees it (queue/frames.inbox.ts in the roles): its jobs,
 * and the frames they point at.
 */
export interface FrameInbox extends JobConsumer<FrameJob, FacesJob> {
  /** The worker took the frame: it leaves its camera's waiting set (backpressure no longer drops it). */
  pickedUp(cameraId: string, jobId: string): Promise<void>;
  /** The frame's JPEG, or null when it expired or was dropped. */
  read(frame: FrameJob): Promise<Buffer | null>;
  discard(frame: FrameJob): Promise<void>;
}

/** Where results go: the "faces" queue (queue/faces.queue.ts FacesProducer in the roles). */
export interface FacesPublisher { publish(result: FacesJob): Promise<void> }

/** confirmations: the confirmer's embeddings; skipped: faces the proposer could name that the confirm budget left out (no vote at the hub). */
type FrameAnalysis = { r: AnalyzeResult; embeddings: Map<number, Float32Array>; confirmations: Map<number, Float32Array>; skipped: Set<number> };

export interface VisionWorkerDeps {
  frames: FrameInbox;
  analyzer: FrameAnalyzer;
  faces: FacesPublisher;
  logger: Logger;
  metrics?: PipelineMetrics;
  name?: string;
  /** Disable the embedding budget (embed every passing face): for the bench. */
  embedAll?: boolean;
  /**
   * Two witnesses (the analyzer has a confirming model): which embedded faces get the confirming
   * model's embedding too. Without it, every embedded face does.
   */
  proposals?: ProposalFilter;
}

/** RGB float chip -> small JPEG (base64) for sightings and the dashboard. */
export async function chipJpeg(chip: Chip, size: number): Promise<string> {
  // a clamped array rounds and clamps natively (Uint8Array.from with a map callback cost ~20 ms a face)
  const px = new Uint8ClampedArray(chip.data.length);
  px.set(chip.data);
  const raw = Buffer.from(px.buffer, px.byteOffset, px.byteLength);
  const jpeg = await sharp(raw, { raw: { width: chip.size, height: chip.size, channels: 3 } })
    .resize(size, size).jpeg({ quality: 80 }).toBuffer();
  return jpeg.toString('base64');
}

/**
 * Consumer of "frames": fetch the JPEG from Redis, detect every face, embed the faces
 * the embedding budget selects (with a crop JPEG of each), send one "faces" result per frame to
 * the hub. Frames older than maxFrameAgeMs are skipped, not analysed (real time first), and still
 * reported so the hub does not wait for them.
 *
 * Crash semantics (SIGKILL): the job's lock expires, BullMQ's stalled-job check (every
 * stalledIntervalMs) moves it back to waiting once (maxStalledCount 1), another worker picks
 * it up and, the frame being older than maxFrameAgeMs by then in most cases, reports it as
 * too_old. So no job stays stuck and no stale frame is analysed.
 */
export class VisionWorker {
  private started = false;
  private readonly budget: EmbedBudget;
  private readonly confirmBudget: ConfirmBudget;
  private readonly batcher: MicroBatcher<{ frame: FrameJob; image: ImageInput }, FrameAnalysis> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly config: VisionConfig, private readonly deps: VisionWorkerDeps) {
    this.budget = new EmbedBudget({ iou: config.reembedIou, everyFrames: config.reembedEveryFrames, qualityGain: config.reembedQualityGain, minAppearance: config.reembedMinAppearance });
    this.confirmBudget = new ConfirmBudget({ windowMs: config.confirmWindowMs, iou: config.reembedIou });
    if (config.batchSize > 1) {
      this.batcher = new MicroBatcher(config.batchSize, config.batchMaxWaitMs, (items) => this.analyzeFrames(items), (n) => deps.metrics?.visionBatchFrames.observe(n));
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.deps.frames.consume((job) => this.process(job), {
      // a batch fills from jobs in flight at the same time
      concurrency: Math.max(this.config.concurrency, this.config.batchSize),
      stalledIntervalMs: this.config.stalledIntervalMs,
      lockDurationMs: Math.max(this.config.stalledIntervalMs, 5000),
      maxStalledCount: 1,
      name: this.deps.name,
    }, {
      failed: (job, err) => this.deps.logger.warn({ job: job?.id, err: err.message }, 'frame job failed'),
      error: (err) => this.deps.logger.error({ err: err.message }, 'vision worker error'),
    });
  }

  /** Process one frame job; exported for tests through the worker. */
  async process(job: Pick<QueuedJob<FrameJob>, 'id' | 'data'>): Promise<FacesJob> {
    const parsed = frameJobSchema.safeParse(job.data);
    if (!parsed.success) throw new PermanentJobError(`invalid frame job: ${parsed.error.issues[0]?.message}`);
    const frame = parsed.data;
    const { frames, metrics } = this.deps;
    await frames.pickedUp(frame.cameraId, job.id ?? '');
    const base = { version: 1 as const, cameraId: frame.cameraId, seq: frame.seq, capturedAt: frame.capturedAt, modelId: this.deps.analyzer.modelId, worker: this.deps.name };
    const report = async (r: Omit<FacesJob, keyof typeof base>): Promise<FacesJob> => {
      const result: FacesJob = { ...base, ...r };
      await this.deps.faces.publish(result);
      return result;
    };
    if (Date.now() - frame.capturedAt > this.config.maxFrameAgeMs) {
      metrics?.framesDropped.inc({ camera: frame.cameraId, reason: 'too_old' });
      await frames.discard(frame);
      return report({ skipped: 'too_old', detectedAt: Date.now(), width: 0, height: 0, faces: [] });
    }
    const jpeg = await frames.read(frame);
    if (!jpeg) {
      metrics?.framesDropped.inc({ camera: frame.cameraId, reason: 'expired' });
      return report({ skipped: 'expired', detectedAt: Date.now(), width: 0, height: 0, faces: [] });
    }
    const result = await this.analyze(frame, jpeg);
    if (!result) {
      metrics?.framesDropped.inc({ camera: frame.cameraId, reason: 'failed' });
      await report({ skipped: 'failed', detectedAt: Date.now(), width: 0, height: 0, faces: [] });
      throw new PermanentJobError(`frame ${frame.cameraId}#${frame.seq} is not a decodable image`);
    }
    await frames.discard(frame);
    metrics?.framesProcessed.inc({ camera: frame.cameraId });
    metrics?.observeLatency('detected', frame.capturedAt);
    return report(result);
  }

  private async analyze(frame: FrameJob, jpeg: Buffer): Promise<Omit<FacesJob, 'version' | 'cameraId' | 'seq' | 'capturedAt' | 'modelId' | 'worker'> | null> {
    const { analyzer, logger } = this.deps;
    let analysis: FrameAnalysis;
    try {
      if (this.batcher) {
        // decoded here, so a bad frame fails alone and not its whole batch
        const image = analyzer.decode ? await analyzer.decode(jpeg) : jpeg;
        analysis = await this.batcher.submit({ frame, image });
      } else {
        analysis = (await this.analyzeFrames([{ frame, image: jpeg }]))[0]!;
      }
    } catch (e) {
      logger.warn({ camera: frame.cameraId, seq: frame.seq, err: (e as Error).message }, 'bad frame');
      return null;
    }
    const { r, embeddings, confirmations, skipped } = analysis;
    this.deps.metrics?.facesDetected.inc({ camera: frame.cameraId }, r.faces.length);
    this.deps.metrics?.facesEmbedded.inc({ camera: frame.cameraId }, embeddings.size);
    const faces: FaceResult[] = await Promise.all(r.faces.map(async (f, i) => {
      const embedding = embeddings.get(i);
      return {
        box: f.box, score: f.score, landmarks: f.landmarks as FaceResult['landmarks'], quality: f.quality,
        ...(embedding ? { embedding: Array.from(embedding) } : { notEmbedded: f.quality.passed ? 'budget' as const : 'quality' as const }),
        ...(confirmations.has(i) ? { confirmEmbedding: Array.from(confirmations.get(i)!) } : {}),
        ...(skipped.has(i) ? { confirmSkipped: true as const } : {}),
        // a crop only with an embedding: a track's crop is then always a face that was embedded
        // (every sighting has one, since a track without an embedded face is no sighting), and the
        // JPEG encoding (~2.4 ms CPU a face) is not paid for the faces the budget skips
        ...(f.chip && embedding ? { crop: await chipJpeg(f.chip, this.config.cropSize) } : {}),
        ...(f.appearance ? { appearance: Array.from(f.appearance, (v) => Math.round(v * 1e4) / 1e4) } : {}),
      };
    }));
    return { detectedAt: Date.now(), width: r.width, height: r.height, faces, ...(r.scene ? { scene: r.scene } : {}) };
  }

  /**
   * Detect (one network call for the batch when the analyzer can), then embed the faces the
   * embedding budget selects in every frame of the batch together.
   */
  private async analyzeFrames(items: { frame: FrameJob; image: ImageInput }[]): Promise<FrameAnalysis[]> {
    const { analyzer } = this.deps;
    const options: AnalyzeOptions = { embed: false, keepChips: true, signatures: true };
    let results: AnalyzeResult[];
    if (items.length > 1 && analyzer.analyzeBatch) results = await analyzer.analyzeBatch(items.map((x) => x.image), options);
    else {
      results = [];
      for (const x of items) results.push(await analyzer.analyze(x.image, options));
    }
    // only faces that can be embedded count against the budget: a face first seen turned away
    // is embedded as soon as it passes the gate, not after reembedEveryFrames
    const selected = results.map((r, k) => {
      const frame = items[k]!.frame;
      const candidates = r.faces.map((f, i) => ({ f, i })).filter(({ f }) => f.quality.passed && f.chip);
      const wanted = this.deps.embedAll
        ? candidates.map(() => true)
        : this.budget.select(frame.cameraId, frame.seq, candidates.map(({ f }) => ({ box: f.box, quality: f.quality, appearance: f.appearance })));
      return candidates.filter((_, c) => wanted[c]);
    });
    const vectors = await analyzer.embedChips(selected.flat().map(({ f }) => f.chip!));
    let next = 0;
    const analyses: FrameAnalysis[] = results.map((r, k) => ({ r, embeddings: new Map(selected[k]!.map(({ i }) => [i, vectors[next++]!])), confirmations: new Map(), skipped: new Set<number>() }));
    if (analyzer.embedConfirm && analyzer.confirmModelId) {
      await this.deps.proposals?.refresh();
      for (const [k, a] of analyses.entries()) {
        const { cameraId, capturedAt } = items[k]!.frame;
        // every face of the frame follows its chain; only embedded faces the proposer could name may be confirmed
        const nameable = a.r.faces.map((_, i) => { const e = a.embeddings.get(i); return e !== undefined && (this.deps.proposals?.wouldName(e) ?? true); });
        const now = this.confirmBudget.select(cameraId, capturedAt, a.r.faces.map((f, i) => ({ box: f.box, nameable: nameable[i]! })));
        const wanted = a.r.faces.map((_, i) => i).filter((i) => now[i]);
        for (const [i, n] of nameable.entries()) if (n && !now[i]) a.skipped.add(i);
        if (a.skipped.size) this.deps.metrics?.facesConfirmSkipped.inc({ camera: cameraId }, a.skipped.size);
        if (!wanted.length) continue;
        const input = items[k]!.image;
        const image = isRgbImage(input) ? input : analyzer.decode ? await analyzer.decode(input) : undefined;
        if (!image) continue;
        const confirm = await analyzer.embedConfirm(image, wanted.map((i) => a.r.faces[i]!.landmarks68));
        wanted.forEach((i, j) => a.confirmations.set(i, confirm[j]!));
        this.deps.metrics?.facesConfirmed.inc({ camera: cameraId }, wanted.length);
      }
    }
    return analyses;
  }

  /** Finish in-flight jobs, then stop (SIGTERM path). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => { await this.deps.frames.close(); })();
    return this.closing;
  }
}
