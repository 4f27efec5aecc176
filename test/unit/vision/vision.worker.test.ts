import type { Redis } from 'ioredis';
import { pino } from 'pino';
import sharp from 'sharp';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type VisionConfig } from '../../../src/config/index.js';
import { facesJobSchema, type FacesJob } from '../../../src/contracts/faces.schema.js';
import type { FrameJob } from '../../../src/contracts/frame.schema.js';
import { PermanentJobError } from '../../../src/contracts/job.js';
import { FramesInbox } from '../../../src/queue/frames.inbox.js';
import { redisKeys } from '../../../src/queue/keys.js';
import { frameJobId } from '../../../src/queue/job-options.js';
import type { Chip } from '../../../src/vision/align/chip.aligner.js';
import type { AnalyzedFace, AnalyzeOptions, AnalyzeResult } from '../../../src/vision/face.pipeline.js';
import { chipJpeg, VisionWorker, type FrameAnalyzer } from '../../../src/vision/vision.worker.js';
import { ProposalFilter } from '../../../src/vision/proposal.filter.js';
import type { Box } from '../../../src/common/geometry.js';

const PREFIX = 'fs-unit';
const baseConfig: VisionConfig = loadConfig({ env: {} }).vision;

/** The Redis commands VisionWorker's FramesInbox uses: zrem, getBuffer, del. */
function fakeRedis() {
  const bytes = new Map<string, Buffer>();
  const fake = {
    bytes,
    zrem: vi.fn(async (_key: string, ..._members: string[]) => 1),
    getBuffer: vi.fn(async (key: string) => bytes.get(key) ?? null),
    del: vi.fn(async (key: string) => (bytes.delete(key) ? 1 : 0)),
  };
  return fake;
}

function fakeFaces() {
  const published: FacesJob[] = [];
  // like FacesProducer.publish: the result must be a valid FacesJob
  const producer = { publish: vi.fn(async (job: FacesJob) => { published.push(facesJobSchema.parse(job)); }) };
  return { published, producer };
}

const solidChip = (rgb: readonly [number, number, number], size = 16): Chip => {
  const data = new Float32Array(size * size * 3);
  for (let i = 0; i < size * size; i++) { data[i * 3] = rgb[0]; data[i * 3 + 1] = rgb[1]; data[i * 3 + 2] = rgb[2]; }
  return { data, size, transform: { a: 1, b: 0, tx: 0, ty: 0 } };
};

const box = (x: number, y = 40, side = 80): Box => ({ x, y, width: side, height: side });

const analyzedFace = (b: Box, opts: { passed?: boolean; chip?: Chip; size?: number; sharpness?: number; appearance?: Float32Array } = {}): AnalyzedFace => {
  const passed = opts.passed ?? true;
  const p = (dx: number, dy: number) => [b.x + dx, b.y + dy] as const;
  return {
    box: b, score: 0.93, truncated: false,
    landmarks: { leftEye: p(20, 25), rightEye: p(60, 25), nose: p(40, 45), mouthLeft: p(25, 62), mouthRight: p(55, 62) },
    landmarks68: [],
    quality: { size: opts.size ?? b.width, sharpness: opts.sharpness ?? 100, yaw: 0, passed, reasons: passed ? [] : ['too_blurry'] },
    ...(opts.chip ? { chip: opts.chip } : {}),
    ...(opts.appearance ? { appearance: opts.appearance } : {}),
  };
};

/** Analyzer whose next result is set per test; embedChips answers the vector registered for each chip. */
class FakeAnalyzer implements FrameAnalyzer {
  readonly modelId = 'fake-embedder@1';
  readonly analyzeCalls: { jpeg: Buffer; options: AnalyzeOptions }[] = [];
  readonly embedCalls: Chip[][] = [];
  readonly vectors = new Map<Chip, Float32Array>();
  next: AnalyzedFace[] | Error = [];
  nextScene: number[] | undefined;

  async analyze(jpeg: Buffer, options: AnalyzeOptions): Promise<AnalyzeResult> {
    this.analyzeCalls.push({ jpeg, options });
    if (this.next instanceof Error) throw this.next;
    return {
      width: 640, height: 480, faces: this.next, modelId: this.modelId, ...(this.nextScene ? { scene: this.nextScene } : {}),
      timings: { decode: 0, detect: 0, landmarks: 0, align: 0, embed: 0, total: 0 },
    };
  }

  async embedChips(chips: Chip[]): Promise<Float32Array[]> {
    this.embedCalls.push(chips);
    return chips.map((c) => {
      const v = this.vectors.get(c);
      if (!v) throw new Error('no vector registered for this chip');
      return v;
    });
  }

  /** A chip whose embedding is `vector`. */
  chip(rgb: readonly [number, number, number], vector: number[]): Chip {
    const c = solidChip(rgb);
    this.vectors.set(c, Float32Array.from(vector));
    return c;
  }

  get embeddedChips(): Chip[] { return this.embedCalls.flat(); }
}

interface Harness {
  redis: ReturnType<typeof fakeRedis>;
  faces: ReturnType<typeof fakeFaces>;
  analyzer: FakeAnalyzer;
  worker: VisionWorker;
  /** Put a frame's bytes into the fake Redis and return its job. */
  frame(seq: number, opts?: { cameraId?: string; capturedAt?: number; store?: boolean }): { id: string; data: FrameJob };
}

function harness(config: Partial<VisionConfig> = {}, extra: { embedAll?: boolean } = {}): Harness {
  const redis = fakeRedis();
  const faces = fakeFaces();
  const analyzer = new FakeAnalyzer();
  const worker = new VisionWorker({ ...baseConfig, ...config }, {
    frames: new FramesInbox(redis as unknown as Redis, PREFIX), analyzer,
    faces: faces.producer, logger: pino({ level: 'silent' }), name: 'vision-test', ...extra,
  });
  return {
    redis, faces, analyzer, worker,
    frame(seq, opts = {}) {
      const cameraId = opts.cameraId ?? 'cam1';
      const key = redisKeys.frame(PREFIX, cameraId, seq);
      const jpeg = Buffer.from(`jpeg-bytes-of-${cameraId}-${seq}`);
      if (opts.store ?? true) redis.bytes.set(key, jpeg);
      return { id: frameJobId(cameraId, seq), data: { version: 1, cameraId, key, capturedAt: opts.capturedAt ?? Date.now(), seq, size: jpeg.length } };
    },
  };
}

async function meanRgb(base64: string): Promise<{ format: string | undefined; width: number | undefined; height: number | undefined; rgb: number[] }> {
  const buf = Buffer.from(base64, 'base64');
  const meta = await sharp(buf).metadata();
  const stats = await sharp(buf).stats();
  return { format: meta.format, width: meta.width, height: meta.height, rgb: stats.channels.slice(0, 3).map((c) => c.mean) };
}

describe('VisionWorker.process', () => {
  let h: Harness;
  beforeEach(() => { h = harness(); });

  it.each([
    ['empty object', {}],
    ['missing key', { version: 1, cameraId: 'cam1', capturedAt: 1, seq: 1, size: 10 }],
    ['negative seq', { version: 1, cameraId: 'cam1', key: 'k', capturedAt: 1, seq: -1, size: 10 }],
    ['wrong version', { version: 2, cameraId: 'cam1', key: 'k', capturedAt: 1, seq: 1, size: 10 }],
    ['unknown field (strict)', { version: 1, cameraId: 'cam1', key: 'k', capturedAt: 1, seq: 1, size: 10, jpeg: 'AAAA' }],
    ['not an object', 'frame'],
  ])('invalid job data (%s) fails unrecoverably without touching Redis or the hub', async (_name, data) => {
    await expect(h.worker.process({ id: 'f.cam1.1', data: data as FrameJob })).rejects.toBeInstanceOf(PermanentJobError);
    expect(h.redis.zrem).not.toHaveBeenCalled();
    expect(h.redis.getBuffer).not.toHaveBeenCalled();
    expect(h.faces.producer.publish).not.toHaveBeenCalled();
    expect(h.analyzer.analyzeCalls).toHaveLength(0);
  });

  it('a frame older than maxFrameAgeMs is reported too_old, not analysed, and its bytes are deleted', async () => {
    const job = h.frame(7, { capturedAt: Date.now() - baseConfig.maxFrameAgeMs - 1000 });
    const result = await h.worker.process(job);
    expect(result).toMatchObject({ version: 1, cameraId: 'cam1', seq: 7, capturedAt: job.data.capturedAt, skipped: 'too_old', width: 0, height: 0, faces: [], modelId: 'fake-embedder@1', worker: 'vision-test' });
    expect(h.faces.published).toEqual([result]);
    expect(h.redis.del).toHaveBeenCalledWith(job.data.key);
    expect(h.redis.bytes.has(job.data.key)).toBe(false);
    expect(h.redis.getBuffer).not.toHaveBeenCalled();
    expect(h.analyzer.analyzeCalls).toHaveLength(0);
    expect(h.redis.zrem).toHaveBeenCalledWith(redisKeys.pending(PREFIX, 'cam1'), 'f.cam1.7');
  });

  it('the age limit comes from vision.maxFrameAgeMs: the same 10 s old frame is analysed under a 60 s limit', async () => {
    const lenient = harness({ maxFrameAgeMs: 60_000 });
    lenient.analyzer.next = [];
    const result = await lenient.worker.process(lenient.frame(1, { capturedAt: Date.now() - 10_000 }));
    expect(result.skipped).toBeUndefined();
    expect(lenient.analyzer.analyzeCalls).toHaveLength(1);

    const strict = harness({ maxFrameAgeMs: 5_000 });
    expect((await strict.worker.process(strict.frame(1, { capturedAt: Date.now() - 10_000 }))).skipped).toBe('too_old');
    expect(strict.analyzer.analyzeCalls).toHaveLength(0);
  });

  it('a frame whose bytes are gone is reported expired and not analysed', async () => {
    const job = h.frame(3, { store: false });
    const result = await h.worker.process(job);
    expect(result).toMatchObject({ cameraId: 'cam1', seq: 3, skipped: 'expired', faces: [], width: 0, height: 0 });
    expect(h.faces.published).toEqual([result]);
    expect(h.redis.getBuffer).toHaveBeenCalledWith(job.data.key);
    expect(h.analyzer.analyzeCalls).toHaveLength(0);
    expect(h.redis.zrem).toHaveBeenCalledWith(redisKeys.pending(PREFIX, 'cam1'), 'f.cam1.3');
  });

  it('a frame the analyzer cannot decode is reported failed to the hub, then fails unrecoverably', async () => {
    h.analyzer.next = new Error('Input buffer contains unsupported image format');
    const job = h.frame(4);
    await expect(h.worker.process(job)).rejects.toBeInstanceOf(PermanentJobError);
    expect(h.faces.published).toHaveLength(1);
    expect(h.faces.published[0]).toMatchObject({ cameraId: 'cam1', seq: 4, skipped: 'failed', faces: [], width: 0, height: 0 });
    expect(h.analyzer.embedCalls).toHaveLength(0);
    expect(h.redis.zrem).toHaveBeenCalledWith(redisKeys.pending(PREFIX, 'cam1'), 'f.cam1.4');
  });

  it('a normal frame: faces with embeddings for quality-passed faces, notEmbedded quality otherwise, crops as JPEG of the embedded ones', async () => {
    const red = h.analyzer.chip([220, 20, 20], [0.5, 0.25, 0.125]);
    const green = h.analyzer.chip([20, 220, 20], [0, 1, 0]);
    const blue = h.analyzer.chip([20, 20, 220], [0.125, 0.5, 0.25]);
    h.analyzer.next = [
      analyzedFace(box(10), { chip: red }),
      analyzedFace(box(200), { chip: green, passed: false }),
      analyzedFace(box(400), { chip: blue }),
    ];
    const job = h.frame(1);
    const jpeg = h.redis.bytes.get(job.data.key);
    const before = Date.now();
    const result = await h.worker.process(job);

    expect(h.analyzer.analyzeCalls).toHaveLength(1);
    expect(h.analyzer.analyzeCalls[0]!.jpeg.equals(jpeg!)).toBe(true);
    // detection only (the budget decides what to embed), chips for crops, signatures for the tracker
    expect(h.analyzer.analyzeCalls[0]!.options).toMatchObject({ embed: false, keepChips: true, signatures: true });
    // only the passing faces' chips are embedded, in face order
    expect(h.analyzer.embeddedChips).toEqual([red, blue]);

    expect(result).toMatchObject({ version: 1, cameraId: 'cam1', seq: 1, capturedAt: job.data.capturedAt, width: 640, height: 480, modelId: 'fake-embedder@1', worker: 'vision-test' });
    expect(result.skipped).toBeUndefined();
    expect(result.detectedAt).toBeGreaterThanOrEqual(before);
    expect(result.faces).toHaveLength(3);
    const [a, b, c] = result.faces;
    expect(a!.embedding).toEqual([0.5, 0.25, 0.125]);
    expect(a!.notEmbedded).toBeUndefined();
    expect(b!.embedding).toBeUndefined();
    expect(b!.notEmbedded).toBe('quality');
    expect(c!.embedding).toEqual([0.125, 0.5, 0.25]);
    expect(a!.box).toEqual(box(10));
    expect(a!.landmarks.leftEye).toEqual([30, 65]);
    expect(b!.quality).toMatchObject({ passed: false, reasons: ['too_blurry'] });

    // crops: base64 JPEGs of cropSize x cropSize, showing the chip's colour, for the embedded faces only
    expect(b!.crop).toBeUndefined();
    for (const [face, channel] of [[a!, 0], [c!, 2]] as const) {
      const crop = await meanRgb(face.crop!);
      expect(crop).toMatchObject({ format: 'jpeg', width: baseConfig.cropSize, height: baseConfig.cropSize });
      expect(crop.rgb[channel]).toBeGreaterThan(180);
      for (const other of [0, 1, 2].filter((k) => k !== channel)) expect(crop.rgb[other]).toBeLessThan(60);
    }

    expect(h.faces.published).toEqual([result]);
    expect(() => facesJobSchema.parse(result)).not.toThrow();
    // analysed: the bytes are no longer needed, and the job left the pending set
    expect(h.redis.bytes.has(job.data.key)).toBe(false);
    expect(h.redis.zrem).toHaveBeenCalledWith(redisKeys.pending(PREFIX, 'cam1'), 'f.cam1.1');
  });

  it('forwards each face\'s appearance signature (rounded to 1e-4) and the frame\'s scene signature', async () => {
    const appearance = Float32Array.from([0.123456, -0.5, 0.99999, 1 / 3]);
    h.analyzer.nextScene = [0.25, 0.5, 0.25];
    h.analyzer.next = [
      analyzedFace(box(10), { chip: h.analyzer.chip([50, 60, 70], [1, 0, 0]), appearance }),
      analyzedFace(box(300), { chip: h.analyzer.chip([50, 60, 70], [0, 1, 0]), passed: false }),
    ];
    const result = await h.worker.process(h.frame(1));
    expect(result.scene).toEqual([0.25, 0.5, 0.25]);
    expect(result.faces[0]!.appearance).toEqual([0.1235, -0.5, 1, 0.3333]);
    expect(result.faces[1]!).not.toHaveProperty('appearance');
    expect(() => facesJobSchema.parse(result)).not.toThrow();
  });

  it('an analyzer result without a scene signature gives a faces job without one', async () => {
    h.analyzer.next = [];
    const result = await h.worker.process(h.frame(1));
    expect(result).not.toHaveProperty('scene');
  });

  it('the crop size follows vision.cropSize', async () => {
    const small = harness({ cropSize: 48 });
    small.analyzer.next = [analyzedFace(box(10), { chip: small.analyzer.chip([100, 100, 100], [1, 0, 0]) })];
    const result = await small.worker.process(small.frame(1));
    expect(await meanRgb(result.faces[0]!.crop!)).toMatchObject({ width: 48, height: 48 });
  });

  it('a face without a chip has no crop and is not embedded', async () => {
    h.analyzer.next = [analyzedFace(box(10))];
    const result = await h.worker.process(h.frame(1));
    expect(result.faces).toHaveLength(1);
    expect(result.faces[0]!.crop).toBeUndefined();
    expect(result.faces[0]!.embedding).toBeUndefined();
    expect(h.analyzer.embeddedChips).toEqual([]);
  });

  it('the embedding budget: a face that stays put is re-embedded only every reembedEveryFrames frames or when its quality improves', async () => {
    const every = baseConfig.reembedEveryFrames;
    const embedded: boolean[] = [];
    const notEmbedded: (string | undefined)[] = [];
    const run = async (seq: number, sharpness: number, cameraId = 'cam1') => {
      const chip = h.analyzer.chip([120, 120, 120], [seq, 0, 0]);
      h.analyzer.next = [analyzedFace(box(100), { chip, sharpness })];
      const r = await h.worker.process(h.frame(seq, { cameraId }));
      embedded.push(r.faces[0]!.embedding !== undefined);
      notEmbedded.push(r.faces[0]!.notEmbedded);
      if (r.faces[0]!.embedding) expect(r.faces[0]!.embedding).toEqual([seq, 0, 0]);
      return r;
    };
    await run(1, 100); // new face: embedded
    await run(2, 100); // same box, same quality: skipped by the budget
    await run(3, 100 * (1 + baseConfig.reembedQualityGain) ** 2 * 1.1); // quality score (size x sqrt(sharpness)) gained more than reembedQualityGain
    await run(4, 100 * (1 + baseConfig.reembedQualityGain) ** 2 * 1.1); // same again: skipped
    await run(3 + every - 1, 130); // not yet due
    await run(3 + every, 130); // due: everyFrames frames after the last embedding
    expect(embedded).toEqual([true, false, true, false, false, true]);
    expect(notEmbedded).toEqual([undefined, 'budget', undefined, 'budget', 'budget', undefined]);

    // the budget is per camera: the same box on another camera is new there
    const other = await run(2, 100, 'cam2');
    expect(other.faces[0]!.embedding).toEqual([2, 0, 0]);
  });

  it('the budget lets a face that moved away from every embedded box through, and skips the one that stayed', async () => {
    const first = [h.analyzer.chip([1, 1, 1], [1, 0, 0]), h.analyzer.chip([2, 2, 2], [0, 1, 0])];
    h.analyzer.next = [analyzedFace(box(10), { chip: first[0] }), analyzedFace(box(300), { chip: first[1] })];
    await h.worker.process(h.frame(1));
    const second = [h.analyzer.chip([3, 3, 3], [0, 0, 1]), h.analyzer.chip([4, 4, 4], [1, 1, 0])];
    // face 0 stays (IoU 1); face 1 jumped 250 px (IoU 0 with every box): a new face for the budget
    h.analyzer.next = [analyzedFace(box(10), { chip: second[0] }), analyzedFace(box(550), { chip: second[1] })];
    const r = await h.worker.process(h.frame(2));
    expect(r.faces.map((f) => f.notEmbedded)).toEqual(['budget', undefined]);
    expect(r.faces[1]!.embedding).toEqual([1, 1, 0]);
    // the crop goes with the embedding: none for the face the budget skipped
    expect(r.faces.map((f) => f.crop !== undefined)).toEqual([false, true]);
    expect(h.analyzer.embeddedChips).toEqual([...first, second[1]]);
  });

  it('embedAll: every quality-passed face is embedded on every frame, failing faces still are not', async () => {
    const all = harness({}, { embedAll: true });
    for (const seq of [1, 2, 3]) {
      const pass = all.analyzer.chip([9, 9, 9], [seq, 1, 0]);
      const fail = all.analyzer.chip([8, 8, 8], [0, 0, 1]);
      all.analyzer.next = [analyzedFace(box(100), { chip: pass }), analyzedFace(box(400), { chip: fail, passed: false })];
      const r = await all.worker.process(all.frame(seq));
      expect(r.faces[0]!.embedding).toEqual([seq, 1, 0]);
      expect(r.faces[1]!.embedding).toBeUndefined();
      expect(r.faces[1]!.notEmbedded).toBe('quality');
    }
    expect(all.analyzer.embeddedChips).toHaveLength(3);
  });

  it('a job without an id is still processed (pending zrem gets an empty member)', async () => {
    h.analyzer.next = [];
    const { data } = h.frame(9);
    const r = await h.worker.process({ id: undefined, data });
    expect(r.seq).toBe(9);
    expect(h.redis.zrem).toHaveBeenCalledWith(redisKeys.pending(PREFIX, 'cam1'), '');
  });
});

describe('chipJpeg', () => {
  it('clamps chip values to 0..255 and encodes a JPEG of the requested size', async () => {
    const out = await meanRgb(await chipJpeg(solidChip([300, -40, 128], 8), 64));
    expect(out).toMatchObject({ format: 'jpeg', width: 64, height: 64 });
    expect(out.rgb[0]).toBeGreaterThan(245);
    expect(out.rgb[1]).toBeLessThan(10);
    expect(Math.abs(out.rgb[2]! - 128)).toBeLessThan(8);
  });
});

/** Analyzer with a batch call: faces per frame chosen by the frame's bytes; "bad" bytes fail to decode. */
class BatchFakeAnalyzer extends FakeAnalyzer {
  readonly batchCalls: number[] = [];
  readonly facesOf = new Map<string, AnalyzedFace[]>();

  async decode(input: Buffer | string): Promise<{ data: Uint8Array; width: number; height: number; channels: 3 }> {
    const text = String(input);
    if (text.includes('bad')) throw new Error('not an image');
    return { data: new Uint8Array(Buffer.from(text)), width: 1, height: 1, channels: 3 };
  }

  /** A batch of one goes through analyze (same result, no batch overhead). */
  override async analyze(img: unknown, options: AnalyzeOptions): Promise<AnalyzeResult> {
    return this.results([img], options)[0]!;
  }

  async analyzeBatch(images: unknown[], options: AnalyzeOptions): Promise<AnalyzeResult[]> {
    this.batchCalls.push(images.length);
    return this.results(images, options);
  }

  private results(images: unknown[], options: AnalyzeOptions): AnalyzeResult[] {
    return images.map((img) => {
      const key = Buffer.from((img as { data: Uint8Array }).data).toString();
      this.analyzeCalls.push({ jpeg: Buffer.from(key), options });
      return { width: 640, height: 480, faces: this.facesOf.get(key) ?? [], modelId: this.modelId, timings: { decode: 0, detect: 0, landmarks: 0, align: 0, embed: 0, total: 0 } };
    });
  }
}

describe('VisionWorker batching (vision.batchSize)', () => {
  function batchHarness(config: Partial<VisionConfig>) {
    const redis = fakeRedis();
    const faces = fakeFaces();
    const analyzer = new BatchFakeAnalyzer();
    const worker = new VisionWorker({ ...baseConfig, ...config }, {
      frames: new FramesInbox(redis as unknown as Redis, PREFIX), analyzer, embedAll: true,
      faces: faces.producer, logger: pino({ level: 'silent' }), name: 'vision-batch',
    });
    const frame = (seq: number, bytes = `jpeg-${seq}`) => {
      const key = redisKeys.frame(PREFIX, 'cam1', seq);
      redis.bytes.set(key, Buffer.from(bytes));
      return { id: frameJobId('cam1', seq), data: { version: 1 as const, cameraId: 'cam1', key, capturedAt: Date.now(), seq, size: bytes.length } };
    };
    return { redis, faces, analyzer, worker, frame };
  }

  it('frames in flight together are detected in one call and their faces embedded in one call, each result keeping its own faces', async () => {
    const h = batchHarness({ batchSize: 3, batchMaxWaitMs: 1000 });
    const chips = [1, 2, 3].map((k) => h.analyzer.chip([k * 40, 0, 0], [k, 0, 0]));
    [1, 2, 3].forEach((seq, k) => h.analyzer.facesOf.set(`jpeg-${seq}`, [analyzedFace(box(10 * seq), { chip: chips[k]! })]));
    const out = await Promise.all([1, 2, 3].map((seq) => h.worker.process(h.frame(seq))));
    expect(h.analyzer.batchCalls).toEqual([3]);
    expect(h.analyzer.embedCalls).toHaveLength(1);
    expect(h.analyzer.embedCalls[0]).toHaveLength(3);
    out.forEach((job, k) => {
      expect(job.seq).toBe(k + 1);
      expect(job.faces).toHaveLength(1);
      expect(job.faces[0]!.box.x).toBe(10 * (k + 1));
      expect(job.faces[0]!.embedding?.[0]).toBe(k + 1);
    });
    expect(h.faces.published).toHaveLength(3);
  });

  it('a partial batch runs after batchMaxWaitMs', async () => {
    const h = batchHarness({ batchSize: 8, batchMaxWaitMs: 30 });
    const t = Date.now();
    const job = await h.worker.process(h.frame(1));
    expect(job.skipped).toBeUndefined();
    expect(Date.now() - t).toBeGreaterThanOrEqual(25);
    expect(h.analyzer.analyzeCalls).toHaveLength(1);
    expect(h.analyzer.batchCalls).toEqual([]);
  });

  it('a frame that does not decode fails alone; the others of its batch are analysed', async () => {
    const h = batchHarness({ batchSize: 2, batchMaxWaitMs: 50 });
    h.analyzer.facesOf.set('jpeg-2', [analyzedFace(box(20), { chip: h.analyzer.chip([9, 9, 9], [0, 1, 0]) })]);
    const [bad, good] = await Promise.allSettled([h.worker.process(h.frame(1, 'bad-bytes')), h.worker.process(h.frame(2))]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(PermanentJobError);
    expect(good.status).toBe('fulfilled');
    expect((good as PromiseFulfilledResult<FacesJob>).value.faces[0]!.embedding).toEqual([0, 1, 0]);
    expect(h.faces.published.map((j) => j.skipped ?? 'ok').sort()).toEqual(['failed', 'ok']);
  });
});

/** A worker with a fake confirming model (the confirmer's vector of the i-th face of a call is [0, 0, 1, i]) and a gallery of one proposer vector [1, 0, 0, 0]. */
function twoWitnesses() {
  const h = harness({}, {});
  const confirmCalls: number[] = [];
  const analyzer = Object.assign(h.analyzer, {
    confirmModelId: 'fake-confirmer@1',
    decode: async () => ({ data: new Uint8Array(640 * 480 * 3), width: 640, height: 480 }),
    embedConfirm: async (_image: unknown, landmarks: readonly unknown[]) => { confirmCalls.push(landmarks.length); return landmarks.map((_, i) => Float32Array.from([0, 0, 1, i])); },
  });
  const filter = new ProposalFilter({ revision: async () => '1', vectors: async () => ({ dim: 4, data: Float32Array.from([1, 0, 0, 0]) }) }, 0.06);
  const workerWith = (config: VisionConfig) => new VisionWorker(config, {
    frames: new FramesInbox(h.redis as unknown as Redis, PREFIX), analyzer, faces: h.faces.producer,
    logger: pino({ level: 'silent' }), name: 'vision-test', embedAll: true, proposals: filter,
  });
  return { h, analyzer, confirmCalls, workerWith };
}

describe('VisionWorker, two witnesses', () => {
  it('embeds with the confirming model only the faces the pre-filter says the proposer could name', async () => {
    const { h, analyzer, confirmCalls, workerWith } = twoWitnesses();
    const known = analyzer.chip([200, 0, 0], [1, 0, 0, 0]);
    const stranger = analyzer.chip([0, 200, 0], [0, 1, 0, 0]);
    analyzer.next = [analyzedFace(box(10), { chip: known }), analyzedFace(box(300), { chip: stranger })];
    // the gallery holds one vector: only the first face is within the proposer's threshold of it
    const worker = workerWith(baseConfig);
    const result = await worker.process(h.frame(1));
    expect(result.faces.map((f) => Boolean(f.embedding))).toEqual([true, true]);
    expect(result.faces.map((f) => f.confirmEmbedding)).toEqual([[0, 0, 1, 0], undefined]);
    expect(confirmCalls).toEqual([1]);
  });

  it('vision.confirmWindowMs: a face followed from the frame of its confirmation is marked confirmSkipped, not confirmed, until the window passes', async () => {
    const { h, analyzer, confirmCalls, workerWith } = twoWitnesses();
    const worker = workerWith({ ...baseConfig, confirmWindowMs: 2000 });
    const at = (seq: number, ms: number, x: number) => {
      analyzer.next = [analyzedFace(box(x), { chip: analyzer.chip([200, 0, 0], [1, 0, 0, 0]) })];
      return worker.process(h.frame(seq, { capturedAt: Date.now() - 4000 + ms }));
    };
    const first = await at(1, 0, 10);
    expect(first.faces[0]!.confirmEmbedding).toEqual([0, 0, 1, 0]);
    expect(first.faces[0]!.confirmSkipped).toBeUndefined();
    const followed: FacesJob[] = [];
    for (let k = 1; k <= 9; k++) followed.push(await at(1 + k, k * 200, 10 + 4 * k));
    // 200..1800 ms: skipped (embedded, no confirmer embedding); 2000 ms... is the 10th frame
    expect(followed.map((j) => j.faces[0]!.confirmSkipped ?? false)).toEqual(Array(9).fill(true));
    expect(followed.every((j) => j.faces[0]!.embedding && !j.faces[0]!.confirmEmbedding)).toBe(true);
    const due = await at(11, 2000, 50);
    expect(due.faces[0]!.confirmEmbedding).toEqual([0, 0, 1, 0]);
    // a face somewhere else is its own chain: confirmed at once
    const elsewhere = await at(12, 2200, 400);
    expect(elsewhere.faces[0]!.confirmEmbedding).toEqual([0, 0, 1, 0]);
    expect(confirmCalls).toEqual([1, 1, 1]);
  });
});
