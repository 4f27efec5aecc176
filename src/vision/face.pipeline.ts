import { seededRandom } from '../common/random.js';
import { photoFlipOf, scoreThresholdOf, witnessModeOf, type Config, type DetectorName, type EmbedderName } from '../config/schema.js';
import { FaceStreamError } from '../errors/index.js';
import { loadBackend, type LoadedBackend } from '../engine/backend.js';
import { imageTensor } from '../engine/image-tensor.js';
import { faceApiModelDir, humanModelDir } from '../engine/models.js';
import type { Tensor3D, TF } from '../engine/tf.js';
import { decodeImage, type ImageInput, type RgbImage } from './decode/image.decoder.js';
import { loadDetector, type FaceDetector } from './detect/index.js';
import { Landmark68Model } from './landmarks/landmark68.model.js';
import { extractChip, flipChip, type Chip } from './align/chip.aligner.js';
import type { Point } from './align/similarity.js';
import { fivePointsOf, meanEmbedding, cosineDistance, type Embedder, type EmbeddingProjection } from './embed/index.js';
import { loadEmbedder } from './embed/load.js';
import { appearanceSignature, sceneSignature } from './appearance.js';
import { assessQuality, estimateYaw, faceSharpness } from './quality/quality.js';
import { clipBox, nms, type Box, type FaceQuality, type FivePoints } from './types.js';

export interface AnalyzedFace {
  /** Box in original-image pixels, clipped to the image. */
  box: Box;
  score: number;
  /** The box extended past the image edge before clipping (face cut off by the border). */
  truncated: boolean;
  landmarks: FivePoints;
  landmarks68: Point[];
  quality: FaceQuality;
  /** L2-normalised; present only when the face passed the quality gate and embedding was asked for. */
  embedding?: Float32Array;
  /** The confirming model's embedding (two witnesses), when the pipeline has one and `confirm` asked for it. */
  confirmEmbedding?: Float32Array;
  /** The aligned chip (RGB 0-255), when asked for (crops for galleries and sightings). */
  chip?: Chip;
  /** Appearance signature of the chip (see appearance.ts), when signatures were asked for. */
  appearance?: Float32Array;
}

export interface StageTimings { decode: number; detect: number; landmarks: number; align: number; embed: number; total: number }

export interface AnalyzeResult {
  width: number;
  height: number;
  faces: AnalyzedFace[];
  /** Embedding model of every embedding in this result. */
  modelId: string;
  /** Scene signature of the frame, when signatures were asked for (live video: scene cuts). */
  scene?: number[];
  /** analyzePhoto only: which pass found the face(s) (see PhotoPass). */
  pass?: PhotoPass;
  timings: StageTimings;
}

export interface AnalyzeOptions {
  /** Compute embeddings for faces that pass the quality gate (default true). */
  embed?: boolean;
  /** Keep the aligned chip on each face (default false). */
  keepChips?: boolean;
  /**
   * The image is already a tight face crop (e.g. a stored thumbnail): skip the detector and
   * use the whole image as the face box; landmarks and alignment still run (default false).
   */
  faceCrop?: boolean;
  /** Compute the frame's scene signature and each face's appearance signature (live video). */
  signatures?: boolean;
  /** Flip test-time augmentation for this call (default embedder.flip; analyzePhoto: photoFlip). */
  flip?: boolean;
  /**
   * Also embed this many jittered chips (small random shift, scale and rotation of the
   * alignment, like dlib's num_jitters) and average them in: gallery samples
   * (embedder.enrollJitter), where extra embeddings cost nothing at identification time.
   * Deterministic per face. Default 0.
   */
  jitter?: number;
  /**
   * Two witnesses: also embed every embedded face with the confirming model
   * (identify.witness.confirmModel). Default: analyzePhoto true, analyze false; live video asks
   * embedConfirm() for the faces the proposer could name.
   */
  confirm?: boolean;
}

/**
 * How analyzePhoto found its faces: the configured detector; a retry with more border padding;
 * the same detector at a low score threshold; the other detector. Tight face crops (passport
 * photos, LFW, crops exported from another system) often need one of the later passes. Taking
 * the whole image as the face box was tried and left out: on 9 no-face crops of people seen from
 * above it produced 2 faces the quality gate passed (false faces); `--crop` still does it on request.
 */
export const photoPasses = ['detector', 'padding', 'low-score', 'other-detector'] as const;
export type PhotoPass = (typeof photoPasses)[number];

/** A photo that may be a tight face crop: roughly square-ish and not large. */
export const looksLikeFaceCrop = (width: number, height: number): boolean =>
  Math.max(width, height) <= 640 && width / height >= 0.6 && width / height <= 1.7;

export interface VerifyResult {
  distance: number;
  same: boolean;
  threshold: number;
  modelId: string;
  faces: [AnalyzedFace, AnalyzedFace];
}

/** How a gallery search becomes a name (src/identify/decision.ts applies it). */
export type DecisionRules =
  | { mode: 'single'; single: WitnessRule }
  | { mode: 'two-witness'; single: WitnessRule; proposer: WitnessRule; confirmer: WitnessRule };
interface WitnessRule { threshold: number; minMargin: number; lookalikeMargin: number }

export type PipelineSettings = Pick<Config, 'engine' | 'detector' | 'landmarks' | 'embedder' | 'quality' | 'image' | 'verify'> & Partial<Pick<Config, 'identify'>>;

const now = () => performance.now();

/**
 * Detect, align, quality-gate and embed faces. One instance per process (TF.js backends are
 * process-global); models are instance state; every tensor created is disposed before return.
 */
export class FacePipeline {
  private closed = false;

  private constructor(
    readonly settings: PipelineSettings,
    readonly backend: LoadedBackend,
    private readonly detector: FaceDetector,
    private readonly landmarker: Landmark68Model,
    private readonly embedder: Embedder,
    /** Optional trained projection (embedder.head), applied after the embedder. */
    private readonly head?: EmbeddingProjection,
    /** The confirming embedder of two-witness mode (identify.mode), aligned on its own chip. */
    private readonly confirmer?: Embedder,
  ) {}

  /**
   * Load the backend and models. `projection` (a trained head, see training/) is injected by
   * the caller that owns it, so this stage never depends on training code.
   */
  static async create(settings: PipelineSettings, projection?: (tf: TF) => Promise<EmbeddingProjection>): Promise<FacePipeline> {
    const backend = await loadBackend(settings.engine.backend, settings.engine.wasmDir, settings.engine.wasmThreads);
    const dirs = modelDirsOf(settings.engine);
    const detector = await loadDetector(backend.faceapi, dirs, settings.detector);
    const landmarker = await Landmark68Model.load(backend.faceapi, dirs.faceApi, settings.landmarks.model);
    const embedder: Embedder = await loadEmbedder(settings.embedder.model, backend, settings.engine);
    const head = projection ? await projection(backend.tf) : undefined;
    if (head && head.backboneModelId !== embedder.modelId) {
      head.dispose();
      throw new FaceStreamError('E_MODEL_MISMATCH', `embedder.head ${settings.embedder.head ?? head.id} was trained on ${head.backboneModelId}, not ${embedder.modelId}`);
    }
    const confirmer = witnessModeOf(settings) === 'two-witness' ? await loadEmbedder(settings.identify?.witness.confirmModel ?? 'faceres', backend, settings.engine) : undefined;
    return new FacePipeline(settings, backend, detector, landmarker, embedder, head, confirmer);
  }

  get tf(): TF { return this.backend.tf; }
  /** The embedder's id, plus the head's when one is applied (embeddings of the two never mix). */
  get modelId(): string { return this.head ? `${this.embedder.modelId}+${this.head.id}` : this.embedder.modelId; }
  get dim(): number { return this.head?.outputDim ?? this.embedder.dim; }
  get embedderName(): EmbedderName { return this.settings.embedder.model; }
  /** The confirming model of two-witness mode (undefined: single-model mode). */
  get confirmModelId(): string | undefined { return this.confirmer?.modelId; }
  get threshold(): number { return this.settings.verify.thresholds[this.settings.embedder.model]; }
  /** Open-set decision of the gallery search (identify.*): its own threshold, else the 1:1 one; and the margin. */
  get identifyThreshold(): number { return this.settings.identify?.thresholds[this.settings.embedder.model] ?? this.threshold; }
  get identifyMinMargin(): number { return this.settings.identify?.minMargins[this.settings.embedder.model] ?? 0; }
  /**
   * The naming rule (identify.*): single = this model's open-set threshold, margin and look-alike
   * margin; two-witness = the proposer's and the confirmer's rules, calibrated together.
   */
  get decisionRules(): DecisionRules {
    const model = this.settings.embedder.model, id = this.settings.identify;
    const single = { threshold: this.identifyThreshold, minMargin: this.identifyMinMargin, lookalikeMargin: Math.max(this.identifyMinMargin, id?.lookalikeMargins[model] ?? 0) };
    if (!this.confirmer || !id) return { mode: 'single', single };
    return { mode: 'two-witness', single, proposer: id.witness.proposer, confirmer: id.witness.confirmer };
  }
  get description() {
    return { backend: this.backend.name, threads: this.backend.threads, detector: this.detector.name, landmarks: this.landmarker.name, embedder: this.modelId, confirmer: this.confirmModelId ?? null, flip: this.settings.embedder.flip, photoFlip: photoFlipOf(this.settings) };
  }

  /** Decode an image (path, encoded bytes or RGB) with the configured limits. */
  /** Jittered chips averaged into each gallery sample (embedder.enrollJitter). */
  get enrollJitter(): number { return this.settings.embedder.enrollJitter; }

  decode(input: ImageInput): Promise<RgbImage> {
    return decodeImage(input, this.settings.image);
  }

  async analyze(input: ImageInput, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    return this.run(input, options, {});
  }

  /**
   * Analyze a photo (enrollment, identify, verify, evaluation; not live frames): when the
   * detector finds nothing, or only a box much smaller than a photo shaped like a face crop,
   * retry with more padding, a low score threshold and the other detector. `pass` says which
   * one found the face.
   */
  async analyzePhoto(input: ImageInput, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    options = { ...options, flip: options.flip ?? photoFlipOf(this.settings), confirm: options.confirm ?? true };
    const image = await this.decode(input);
    const first = await this.run(image, options, {});
    const { width, height } = image;
    const crop = looksLikeFaceCrop(width, height);
    const found = (r: AnalyzeResult) => r.faces.length > 0 && (!crop || Math.max(...r.faces.map((f) => f.box.width * f.box.height)) >= 0.1 * width * height);
    if (found(first) || !crop || options.faceCrop) return { ...first, pass: 'detector' };
    const side = Math.max(width, height);
    const withFallback = async (which: 'same' | 'other') => {
      const detector = await this.fallbackDetector(which);
      return this.run(image, options, { detector, scoreThreshold: fallbackScores[detector.name] });
    };
    const tries: [PhotoPass, () => Promise<AnalyzeResult>][] = [
      ['padding', () => this.run(image, options, { pad: Math.round(0.8 * side) })],
      ['low-score', () => withFallback('same')],
      ['other-detector', () => withFallback('other')],
    ];
    for (const [pass, attempt] of tries) {
      const r = await attempt();
      if (found(r)) return { ...r, pass };
    }
    return { ...first, pass: 'detector' };
  }

  private readonly fallbacks = new Map<'same' | 'other', Promise<FaceDetector>>();

  /** Low-threshold detectors for analyzePhoto's retries, loaded on first use. */
  private fallbackDetector(which: 'same' | 'other'): Promise<FaceDetector> {
    let d = this.fallbacks.get(which);
    if (!d) {
      const cfg = this.settings.detector;
      const model = which === 'same' ? cfg.model : cfg.model === 'ssd' ? 'tiny' : 'ssd';
      d = loadDetector(this.backend.faceapi, modelDirsOf(this.settings.engine), { ...cfg, model, scoreThreshold: fallbackScores[model], inputSize: model === 'tiny' ? 416 : cfg.inputSize });
      this.fallbacks.set(which, d);
    }
    return d;
  }

  /**
   * Several frames in one pass per stage (live video on a GPU backend: `vision.batchSize`):
   * detection for all frames in one network call, landmarks for all their faces in one call,
   * embeddings for all passing faces in batches of `embedder.batchSize`. Each result equals
   * analyze() of that frame; the stage timings are the batch's, shared by its frames.
   */
  async analyzeBatch(inputs: ImageInput[], options: AnalyzeOptions = {}): Promise<AnalyzeResult[]> {
    return this.runBatch(inputs, options, {});
  }

  private async run(input: ImageInput, options: AnalyzeOptions, how: RunHow): Promise<AnalyzeResult> {
    return (await this.runBatch([input], options, how))[0]!;
  }

  private async runBatch(inputs: ImageInput[], options: AnalyzeOptions, how: RunHow): Promise<AnalyzeResult[]> {
    if (this.closed) throw new Error('FacePipeline is closed');
    if (inputs.length === 0) return [];
    const { embed = true, keepChips = false, faceCrop = false, signatures = false, flip = this.settings.embedder.flip, jitter = 0, confirm = false } = options;
    const tf = this.tf;
    const t0 = now();
    const images: RgbImage[] = [];
    for (const input of inputs) images.push(await this.decode(input));
    const t1 = now();

    const frames = images.map((image) => {
      const { width, height } = image;
      return { image, width, height, pad: how.pad ?? detectionPad(width, height, this.settings.detector) };
    });
    const tensors: Tensor3D[] = [];
    const faces: AnalyzedFace[][] = frames.map(() => []);
    let tDetect = 0, tLandmarks = 0, tAlign = 0, tEmbed = 0;
    try {
      const padded = frames.map(({ image, pad }) => {
        const t = imageTensor(tf, image);
        tensors.push(t);
        if (pad === 0) return t;
        const p: Tensor3D = tf.pad(t, [[pad, pad], [pad, pad], [0, 0]]);
        tensors.push(p);
        return p;
      });
      const detector = how.detector ?? this.detector;
      const raw = faceCrop
        ? frames.map(({ width, height, pad }) => [{ score: 1, box: { x: pad, y: pad, width, height } }])
        // detectors read their results with awaited data() only: they run on webgpu too
        : padded.length === 1 ? [await detector.detect(padded[0]!)] : await detector.detectBatch(padded);
      const cfg = { ...this.settings.detector, scoreThreshold: how.scoreThreshold ?? scoreThresholdOf(this.settings.detector) };
      const t2 = now();
      tDetect = t2 - t1;

      // Landmarks on crops of the padded image (zeros past the border), so faces cut by the border
      // keep their context; the crops of every frame go through the landmark net together.
      const crops: { frame: number; rect: Box; box: Box; truncated: boolean; score: number }[] = [];
      frames.forEach(({ width, height, pad }, fi) => {
        const candidates = nms(
          raw[fi]!
            .filter((d) => d.score >= cfg.scoreThreshold)
            .map((d) => ({ score: d.score, box: { ...d.box, x: d.box.x - pad, y: d.box.y - pad } }))
            .filter((d) => Math.min(d.box.width, d.box.height) >= cfg.minFaceSize),
          cfg.nmsIouThreshold,
        ).slice(0, cfg.maxFaces);
        const pw = width + 2 * pad, ph = height + 2 * pad;
        for (const d of candidates) {
          const inPadded = clipBox({ ...d.box, x: d.box.x + pad, y: d.box.y + pad }, pw, ph);
          const visible = clipBox(d.box, width, height);
          if (!inPadded || !visible) continue;
          const x = Math.floor(inPadded.x), y = Math.floor(inPadded.y);
          const w = Math.max(1, Math.min(pw - x, Math.round(inPadded.width))), h = Math.max(1, Math.min(ph - y, Math.round(inPadded.height)));
          const truncated = d.box.x < 0 || d.box.y < 0 || d.box.x + d.box.width > width || d.box.y + d.box.height > height;
          crops.push({ frame: fi, rect: { x: x - pad, y: y - pad, width: w, height: h }, box: visible, truncated, score: d.score });
        }
      });
      const points = await this.landmarker.detectInImages(crops.map((c) => ({ image: frames[c.frame]!.image, rect: c.rect })));
      const t3 = now();
      tLandmarks = t3 - t2;

      const chips: { face: AnalyzedFace; chip: Chip; jittered: () => Chip[]; image: RgbImage; l68: readonly Point[] }[] = [];
      crops.forEach((c, i) => {
        const image = frames[c.frame]!.image;
        const l68 = points[i]!;
        const { imagePoints, chipPoints } = this.embedder.alignment(l68);
        const chip = extractChip(image, imagePoints, chipPoints, this.embedder.chipSize);
        const [leftEye, rightEye, nose, mouthLeft, mouthRight] = fivePointsOf(l68).map(roundPoint) as Point[];
        const quality = assessQuality(Math.min(c.box.width, c.box.height), faceSharpness(chip.data, chip.size), estimateYaw(l68), this.settings.quality);
        const face: AnalyzedFace = {
          box: roundBox(c.box), score: Math.round(c.score * 1e4) / 1e4, truncated: c.truncated,
          landmarks: { leftEye: leftEye!, rightEye: rightEye!, nose: nose!, mouthLeft: mouthLeft!, mouthRight: mouthRight! },
          landmarks68: l68.map(roundPoint), quality,
        };
        if (keepChips) face.chip = chip;
        if (signatures) face.appearance = appearanceSignature(chip);
        chips.push({ face, chip, image, l68, jittered: () => jitterChips(image, imagePoints, chipPoints, this.embedder.chipSize, jitter) });
        faces[c.frame]!.push(face);
      });
      const t4 = now();
      tAlign = t4 - t3;

      if (embed) {
        const todo = chips.filter((x) => x.face.quality.passed);
        if (jitter > 0) {
          // each face: its chip and `jitter` jittered chips, embedded together, then averaged
          const sets = todo.map((x) => [x.chip, ...x.jittered()]);
          const vectors = await this.embedChips(sets.flat(), flip);
          let k = 0;
          todo.forEach((x, i) => { const [first, ...rest] = vectors.slice(k, k + sets[i]!.length); x.face.embedding = meanEmbedding(first!, ...rest); k += sets[i]!.length; });
        } else {
          const vectors = await this.embedChips(todo.map((x) => x.chip), flip);
          todo.forEach((x, i) => { x.face.embedding = vectors[i]; });
        }
        if (this.confirmer && confirm) {
          const asked = todo.filter((x) => x.face.embedding);
          const vectors = await this.embedWith(this.confirmer, asked.map((x) => this.confirmChip(x.image, x.l68)), flip);
          asked.forEach((x, i) => { x.face.confirmEmbedding = vectors[i]; });
        }
      }
      tEmbed = now() - t4;
    } finally {
      for (const t of tensors) t.dispose();
    }
    const r = (x: number) => Math.round(x * 100) / 100;
    const timings = { decode: r(t1 - t0), detect: r(tDetect), landmarks: r(tLandmarks), align: r(tAlign), embed: r(tEmbed), total: r(now() - t0) };
    return frames.map(({ image, width, height }, fi) => ({
      width, height, faces: faces[fi]!, modelId: this.modelId, ...(signatures ? { scene: sceneSignature(image) } : {}), timings,
    }));
  }

  /** Embed aligned chips in batches, with flip test-time augmentation when asked (default embedder.flip). */
  async embedChips(chips: Chip[], flip: boolean = this.settings.embedder.flip): Promise<Float32Array[]> {
    const out = await this.embedWith(this.embedder, chips, flip);
    return this.head ? this.head.project(out) : out;
  }

  /**
   * The confirming model's embeddings of faces already found in `image` (their 68 landmarks), each
   * aligned on the confirmer's own chip: the live path asks only for faces the proposer could name.
   */
  async embedConfirm(image: RgbImage, landmarks68: readonly (readonly Point[])[], flip: boolean = this.settings.embedder.flip): Promise<Float32Array[]> {
    if (!this.confirmer) throw new Error('embedConfirm: no confirming model (identify.mode single)');
    return this.embedWith(this.confirmer, landmarks68.map((l) => this.confirmChip(image, l)), flip);
  }

  /** A face's chip for the confirming model, aligned its own way from the 68 landmarks. */
  private confirmChip(image: RgbImage, landmarks68: readonly Point[]): Chip {
    const confirmer = this.confirmer!;
    const { imagePoints, chipPoints } = confirmer.alignment(landmarks68);
    return extractChip(image, imagePoints, chipPoints, confirmer.chipSize);
  }

  private async embedWith(embedder: Embedder, chips: Chip[], flip: boolean): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const size = this.settings.embedder.batchSize;
    for (let i = 0; i < chips.length; i += size) {
      const batch = chips.slice(i, i + size);
      const plain = await embedder.embed(batch);
      if (flip) {
        const flipped = await embedder.embed(batch.map(flipChip));
        plain.forEach((v, k) => out.push(meanEmbedding(v, flipped[k]!)));
      } else {
        out.push(...plain);
      }
    }
    return out;
  }

  /** The most prominent embeddable face of an image (largest passing face), or a clear error. */
  async primaryFace(input: ImageInput, label: string): Promise<AnalyzedFace> {
    const result = await this.analyzePhoto(input);
    if (result.faces.length === 0) throw new FaceStreamError('E_NO_FACE', `${label}: no face found`);
    const usable = result.faces.filter((f) => f.embedding);
    if (usable.length === 0) {
      const reasons = [...new Set(result.faces.flatMap((f) => f.quality.reasons))].join(', ');
      throw new FaceStreamError('E_FACE_REJECTED', `${label}: ${result.faces.length} face(s) found but none passed the quality gate (${reasons})`);
    }
    return usable.reduce((best, f) => (f.box.width * f.box.height > best.box.width * best.box.height ? f : best));
  }

  async verify(a: ImageInput, b: ImageInput, labels: [string, string] = ['first image', 'second image']): Promise<VerifyResult> {
    const fa = await this.primaryFace(a, labels[0]);
    const fb = await this.primaryFace(b, labels[1]);
    const distance = cosineDistance(fa.embedding!, fb.embedding!);
    return { distance, same: distance <= this.threshold, threshold: this.threshold, modelId: this.modelId, faces: [fa, fb] };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    for (const m of [this.head, this.embedder, this.confirmer, this.landmarker, this.detector]) {
      if (!m) continue;
      try { m.dispose(); } catch (e) { errors.push(e); }
    }
    for (const d of this.fallbacks.values()) void d.then((x) => x.dispose(), () => {});
    if (errors.length) throw new AggregateError(errors, 'FacePipeline.close: some models failed to dispose');
  }
}

/**
 * Score threshold of analyzePhoto's retry detectors (the quality gate still judges what they find).
 * FaceBoxes scores background anchors up to ~0.2 (at 0.15 it took heads seen from above for faces,
 * at 0.155), so its floor is higher than the face-api detectors'; the hardest bbt crop it must find
 * scores 0.29.
 */
const fallbackScores: Record<DetectorName, number> = { ssd: 0.15, tiny: 0.15, faceboxes: 0.25 };

/**
 * `n` chips of the same face with the alignment jittered: the chip's target points rotated by up
 * to ±4°, scaled by 0.95-1.05 and shifted by up to ±3 % of the chip about its centre (dlib's
 * num_jitters does the same on its chips). Seeded from the landmarks: the same photo always
 * gives the same chips, so enrolling it again gives the same embedding.
 */
export function jitterChips(image: RgbImage, imagePoints: readonly Point[], chipPoints: readonly Point[], size: number, n: number): Chip[] {
  if (n <= 0) return [];
  let seed = 2166136261;
  for (const [x, y] of imagePoints) seed = Math.imul(seed ^ Math.round(x * 16) ^ (Math.round(y * 16) << 12), 16777619) >>> 0;
  const rnd = seededRandom(seed);
  const c = size / 2;
  return Array.from({ length: n }, () => {
    const angle = ((rnd() * 2 - 1) * 4 * Math.PI) / 180, scale = 0.95 + rnd() * 0.1;
    const dx = (rnd() * 2 - 1) * 0.03 * size, dy = (rnd() * 2 - 1) * 0.03 * size;
    const cos = Math.cos(angle) * scale, sin = Math.sin(angle) * scale;
    const moved = chipPoints.map(([x, y]) => [c + cos * (x - c) - sin * (y - c) + dx, c + sin * (x - c) + cos * (y - c) + dy] as const);
    return extractChip(image, imagePoints, moved, size);
  });
}

/** The folders the face-api and human-models weights are read from. */
const modelDirsOf = (engine: PipelineSettings['engine']) => ({ faceApi: faceApiModelDir(engine.faceApiModelDir), human: humanModelDir(engine.humanModelDir) });

/** How analyzePhoto's retries change a pass: border padding, detector, score threshold. */
interface RunHow { pad?: number; detector?: FaceDetector; scoreThreshold?: number }

/** SSD MobileNet v1 always resizes its input to 512 px. */
const ssdInputSize = 512;

/** FaceBoxes pads only images whose longer side is below this (padding costs it time in proportion to pixels; VGA and larger camera frames are not padded). */
export const FACEBOXES_PAD_BELOW = 640;

/**
 * Border padding before detection: `borderPad` of the longer side, and more (up to 40 %) when
 * it is free, i.e. while the padded image still fits the detector input without being shrunk.
 * Tight face crops (LFW's 250x250 photos, thumbnails) need ~40 % to be detected reliably;
 * large frames keep the configured pad so small faces keep their resolution.
 * FaceBoxes runs at the image's own size, so no padding is free: images up to
 * FACEBOXES_PAD_BELOW (photos, crops) get the same padding as for SSD, camera frames (VGA and
 * up) none; a tight crop larger than that is found by analyzePhoto's padding retry.
 */
export function detectionPad(width: number, height: number, cfg: PipelineSettings['detector']): number {
  const side = Math.max(width, height);
  if (cfg.model === 'faceboxes' && side >= FACEBOXES_PAD_BELOW) return 0;
  const input = cfg.model === 'tiny' ? cfg.inputSize : ssdInputSize;
  const free = Math.max(0, Math.floor((input - side) / 2));
  return Math.round(Math.max(cfg.borderPad * side, Math.min(free, 0.4 * side)));
}

const roundPoint = (p: Point): Point => [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];
const roundBox = (b: Box): Box => ({ x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) });
