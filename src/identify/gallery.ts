import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import type { GalleryConfig } from '../config/schema.js';
import type { AnalyzeOptions, AnalyzeResult } from '../vision/face.pipeline.js';
import { FaceStreamError, isFaceStreamError } from '../errors/index.js';
import type { ImageInput, RgbImage } from '../vision/decode/image.decoder.js';
import type { Box, FaceQuality } from '../vision/types.js';
import { GalleryStore } from '../store/gallery.store.js';
import type { Person } from '../store/people.repository.js';
import type { FaceSample } from '../store/samples.repository.js';
import { HnswIndex, loadIndexFiles, saveIndexFiles, type HnswParams, type IndexStamp } from './hnsw.index.js';
import { matchPeople } from './matcher.js';
import type { IdentifyMatch } from '../contracts/match.js';

export type { IdentifyMatch };

/** What the gallery needs from the engine (FacePipeline satisfies it; tests may fake it). */
export interface FaceAnalyzer {
  readonly modelId: string;
  readonly dim: number;
  /** Open-set threshold of this model (cosine distance). */
  readonly threshold: number;
  decode(input: ImageInput): Promise<RgbImage>;
  analyze(input: ImageInput, options?: AnalyzeOptions): Promise<AnalyzeResult>;
}

export interface GalleryLogger { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }
const silentLogger: GalleryLogger = { info: () => {}, warn: () => {} };

export interface GalleryOptions {
  /** Data directory: facestream.db, index/, crops/. */
  dataDir: string;
  engine: FaceAnalyzer;
  settings: GalleryConfig;
  logger?: GalleryLogger;
  /**
   * Save the index this long after the last change (ms); 0 = only on saveIndex()/close().
   * A crash before the save only costs a rebuild from the store on the next start.
   */
  saveDelayMs?: number;
}

export const rejectReasons = ['no_face', 'several_faces', 'too_small', 'too_blurry', 'too_turned', 'unreadable', 'matches_other_person'] as const;
export type RejectReason = (typeof rejectReasons)[number];

/** The outcome of one photo offered for enrollment. */
export type EnrollOutcome =
  | { file: string; status: 'accepted'; sampleId: number; box: Box; quality: FaceQuality }
  | { file: string; status: 'skipped'; reason: 'duplicate'; detail: string; sampleId: number }
  | { file: string; status: 'rejected'; reason: RejectReason; detail: string; match?: { personId: string; name: string; distance: number } };


export interface IdentifiedFace {
  box: Box;
  detectionScore: number;
  quality: FaceQuality;
  /** null when the face did not pass the quality gate (not embedded, so not identified). */
  match: IdentifyMatch | null;
}

export interface PersonSummary extends Person { samples: number }

export interface ErasureReport { personId: string; name: string; samples: number; sightings: number; files: number }

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The portable gallery file (`facestream gallery export`). */
export const galleryFileSchema = z.strictObject({
  format: z.literal('facestream-gallery'),
  version: z.literal(1),
  modelId: z.string().min(1),
  dim: z.number().int().positive(),
  exportedAt: z.string(),
  people: z.array(z.strictObject({
    id: z.string().min(1),
    name: z.string().min(1),
    metadata: z.record(z.string(), z.unknown()),
    samples: z.array(z.strictObject({
      embedding: z.string().min(1).describe('base64 of little-endian float32'),
      imageSha256: z.string(),
      quality: z.record(z.string(), z.unknown()),
      thumbnail: z.string().nullable().describe('base64 JPEG'),
      createdAt: z.string(),
    })),
  })),
});
export type GalleryFile = z.infer<typeof galleryFileSchema>;

/**
 * The gallery: people and their face samples (SQLite, the truth) plus an HNSW index over the
 * samples (derived, persisted, rebuilt whenever it is missing, corrupt or stale). Identification
 * is verification against every sample: nothing is ever trained, adding a person is one insert.
 * One Gallery per data directory and process: it is the single writer of store and index.
 */
export class Gallery {
  readonly store: GalleryStore;
  private index!: HnswIndex;
  private labels = new Map<number, string>();
  private dirty = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly logger: GalleryLogger;
  private readonly params: HnswParams;
  /** Samples of other models than the engine's ("2 of x, ..."), or null; kept current on writes. */
  private foreignModels: string | null = null;

  private constructor(private readonly options: GalleryOptions, store: GalleryStore) {
    this.store = store;
    this.logger = options.logger ?? silentLogger;
    this.params = { ...options.settings.hnsw };
  }

  /** Open the store and load (or rebuild) the index. */
  static open(options: GalleryOptions): Gallery {
    mkdirSync(options.dataDir, { recursive: true });
    const g = new Gallery(options, GalleryStore.open(options.dataDir));
    try {
      g.start();
    } catch (e) {
      g.store.close();
      throw e;
    }
    return g;
  }

  get dataDir(): string { return this.options.dataDir; }
  get indexDir(): string { return path.join(this.options.dataDir, 'index'); }
  get cropsDir(): string { return path.join(this.options.dataDir, 'crops'); }
  get modelId(): string { return this.options.engine.modelId; }
  get threshold(): number { return this.options.engine.threshold; }
  /** Live vectors in the index (equals the number of samples of the engine's model). */
  get indexSize(): number { return this.index.size; }
  /** Labels (sample ids) in the index, for checks. */
  indexLabels(): number[] { return this.index.labels(); }

  private stamp(): IndexStamp {
    return { revision: this.store.revision, modelId: this.modelId, dim: this.options.engine.dim };
  }

  private refreshModelState(): void {
    const others = this.store.samples.models().filter((m) => m.modelId !== this.modelId);
    this.foreignModels = others.length ? others.map((m) => `${m.count} of ${m.modelId}`).join(', ') : null;
  }

  private start(): void {
    this.refreshModelState();
    const loaded = loadIndexFiles(this.indexDir, this.stamp(), this.params);
    if (loaded.ok) {
      this.index = loaded.index;
      this.labels = loaded.labels;
      // Tombstones cost memory and search time; past a quarter of the graph, compact.
      if (this.index.deleted > Math.max(64, this.index.size / 4)) this.rebuildIndex('compact');
      return;
    }
    if (loaded.reason !== 'missing' || this.store.samples.count() > 0) this.logger.warn({ reason: loaded.reason, detail: loaded.detail }, 'gallery index not usable; rebuilding from the store');
    this.rebuildIndex(loaded.reason);
  }

  /** Rebuild the index from the store's samples of the engine's model, then persist it. */
  rebuildIndex(why = 'requested'): void {
    const count = this.store.samples.count();
    const index = HnswIndex.create(this.options.engine.dim, this.params, Math.ceil(count * 1.25) + 64);
    const labels = new Map<number, string>();
    for (const s of this.store.samples.iterate()) {
      if (s.modelId !== this.modelId || s.embedding.length !== index.dim) continue;
      index.add(s.id, s.embedding);
      labels.set(s.id, s.personId);
    }
    this.index = index;
    this.labels = labels;
    this.logger.info({ why, vectors: index.size }, 'gallery index rebuilt');
    this.saveIndex();
  }

  /** Persist the index now (atomically; see saveIndexFiles). */
  saveIndex(): void {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    saveIndexFiles(this.indexDir, this.index, this.labels, this.stamp(), this.params);
    this.dirty = false;
  }

  private changed(): void {
    this.dirty = true;
    const delay = this.options.saveDelayMs ?? 0;
    if (delay > 0 && !this.saveTimer) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        try { this.saveIndex(); } catch (e) { this.logger.warn({ err: (e as Error).message }, 'gallery index save failed; it will be rebuilt on start'); }
      }, delay);
      this.saveTimer.unref();
    }
  }

  /** Refuse work when the stored samples were made by another model than the engine's. */
  assertModel(modelId: string = this.modelId): void {
    if (modelId !== this.modelId) {
      throw new FaceStreamError('E_MODEL_MISMATCH', `embedding is from model ${modelId}, the gallery uses ${this.modelId}`);
    }
    // cached: identify() runs per face of every frame, the store query only on writes
    if (this.foreignModels) {
      throw new FaceStreamError('E_MODEL_MISMATCH', `the gallery holds samples embedded with another model (${this.foreignModels}); the engine uses ${this.modelId}: run \`facestream reindex\``);
    }
  }

  // ---------------------------------------------------------------- people

  createPerson(name: string, metadata: Record<string, unknown> = {}, actor = 'cli'): Person {
    return this.store.transaction(() => {
      const p = this.store.people.create(name, metadata);
      this.store.audit.record(actor, 'person.create', p.id, { name });
      return p;
    });
  }

  getPerson(id: string): PersonSummary {
    const p = this.store.people.get(id);
    if (!p) throw new FaceStreamError('E_NOT_FOUND', `no person with id ${id}`);
    return { ...p, samples: this.store.samples.countByPerson(id) };
  }

  listPeople(options: { limit?: number; offset?: number; name?: string } = {}): { items: PersonSummary[]; total: number } {
    const items = this.store.people.list(options).map((p) => ({ ...p, samples: this.store.samples.countByPerson(p.id) }));
    return { items, total: options.name === undefined ? this.store.people.count() : this.store.people.byName(options.name).length };
  }

  /** The one person with this name, or a clear error (names are not unique). */
  personByName(name: string): Person | undefined {
    const found = this.store.people.byName(name);
    if (found.length > 1) throw new FaceStreamError('E_AMBIGUOUS_NAME', `${found.length} people are named '${name}' (ids ${found.map((p) => p.id).join(', ')}); use the id`);
    return found[0];
  }

  updatePerson(id: string, patch: { name?: string; metadata?: Record<string, unknown> }, actor = 'cli'): Person {
    return this.store.transaction(() => {
      const p = this.store.people.update(id, patch);
      if (!p) throw new FaceStreamError('E_NOT_FOUND', `no person with id ${id}`);
      this.store.audit.record(actor, 'person.update', id, { ...(patch.name !== undefined ? { name: patch.name } : {}), metadataChanged: patch.metadata !== undefined });
      return p;
    });
  }

  /**
   * Erase a person (GDPR): samples, sightings and every crop file, then an audit record that
   * keeps only counts. The store transaction commits first; files follow (a crash in between
   * leaves orphan files under crops/<id>/, which the next erase or `reindex` removes).
   */
  deletePerson(id: string, actor = 'cli'): ErasureReport {
    const person = this.store.people.get(id);
    if (!person) throw new FaceStreamError('E_NOT_FOUND', `no person with id ${id}`);
    const samples = this.store.samples.byPerson(id);
    const sightingCrops = this.store.sightings.cropPathsOf(id);
    const report = this.store.transaction(() => {
      const sightings = this.store.sightings.deleteByPerson(id);
      this.store.people.delete(id);
      if (samples.length) this.store.bumpRevision();
      const r: ErasureReport = { personId: id, name: person.name, samples: samples.length, sightings, files: 0 };
      this.store.audit.record(actor, 'person.erase', id, { samples: r.samples, sightings });
      return r;
    });
    for (const s of samples) if (this.index.remove(s.id)) this.labels.delete(s.id);
    if (samples.length) { this.changed(); this.refreshModelState(); }
    for (const f of [...samples.map((s) => s.cropFile), ...sightingCrops]) {
      if (!f) continue;
      const abs = this.resolveDataPath(f);
      if (abs && existsSync(abs)) { rmSync(abs, { force: true }); report.files++; }
    }
    rmSync(path.join(this.cropsDir, id), { recursive: true, force: true });
    return report;
  }

  samplesOf(personId: string): FaceSample[] {
    this.getPerson(personId);
    return this.store.samples.byPerson(personId);
  }

  /** A data-directory-relative path made absolute, refusing anything that escapes the directory. */
  resolveDataPath(rel: string): string | undefined {
    const abs = path.resolve(this.dataDir, rel);
    return abs.startsWith(path.resolve(this.dataDir) + path.sep) ? abs : undefined;
  }

  thumbnail(sampleId: number): Buffer | undefined {
    const s = this.store.samples.get(sampleId);
    const abs = s?.cropFile ? this.resolveDataPath(s.cropFile) : undefined;
    return abs && existsSync(abs) ? readFileSync(abs) : undefined;
  }

  removeSample(personId: string, sampleId: number, actor = 'cli'): void {
    const s = this.store.samples.get(sampleId);
    if (!s || s.personId !== personId) throw new FaceStreamError('E_NOT_FOUND', `person ${personId} has no sample ${sampleId}`);
    this.store.transaction(() => {
      this.store.samples.delete(sampleId);
      this.store.bumpRevision();
      this.store.audit.record(actor, 'sample.delete', personId, { sampleId });
    });
    if (this.index.remove(sampleId)) this.labels.delete(sampleId);
    this.changed();
    this.refreshModelState();
    const abs = s.cropFile ? this.resolveDataPath(s.cropFile) : undefined;
    if (abs) rmSync(abs, { force: true });
  }

  // ---------------------------------------------------------------- enrollment

  /**
   * Offer one photo of a person. Exactly one usable face is required; a near-duplicate of one of
   * the person's samples is skipped; a face that matches a *different* person within the
   * threshold is rejected as a likely mislabel unless `force`. Outcomes are return values;
   * only an unknown person id or a model mismatch throw.
   */
  async enrollPhoto(personId: string, photo: Buffer | string, options: { label?: string; force?: boolean; actor?: string } = {}): Promise<EnrollOutcome> {
    const file = options.label ?? (typeof photo === 'string' ? photo : 'upload');
    this.getPerson(personId);
    this.assertModel();
    const engine = this.options.engine;
    let bytes: Buffer, image: RgbImage, result: AnalyzeResult;
    try {
      bytes = typeof photo === 'string' ? await readFile(photo) : photo;
      image = await engine.decode(bytes);
      result = await engine.analyze(image);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (isFaceStreamError(e) || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
        return { file, status: 'rejected', reason: 'unreadable', detail: (e as Error).message };
      }
      throw e;
    }
    const imageSha256 = sha256(bytes);
    if (result.faces.length === 0) return { file, status: 'rejected', reason: 'no_face', detail: 'no face found' };
    const usable = result.faces.filter((f) => f.embedding);
    if (usable.length > 1) return { file, status: 'rejected', reason: 'several_faces', detail: `${usable.length} usable faces; enrollment photos must show one person` };
    if (usable.length === 0) {
      const largest = result.faces.reduce((a, b) => (a.box.width * a.box.height >= b.box.width * b.box.height ? a : b));
      const reason = (largest.quality.reasons[0] ?? 'no_face') as RejectReason;
      return { file, status: 'rejected', reason, detail: `face rejected by the quality gate (${largest.quality.reasons.join(', ')})` };
    }
    const face = usable[0]!;
    const crop = await cropJpeg(image, face.box);

    // From here on synchronous: the checks and the insert see one consistent index, so
    // concurrent enrollments cannot both pass the duplicate check or lose a sample.
    if (this.closed) throw new Error('Gallery is closed');
    this.getPerson(personId);
    const embedding = face.embedding!;
    const hits = this.index.search(embedding, Math.max(this.options.settings.topK, 8));
    const own = hits.find((h) => this.labels.get(h.label) === personId && h.distance < this.options.settings.duplicateDistance);
    if (own) return { file, status: 'skipped', reason: 'duplicate', detail: `within ${round(own.distance)} of sample ${own.label}`, sampleId: own.label };
    const sameImage = this.store.samples.byPerson(personId).find((s) => s.imageSha256 === imageSha256 && s.modelId === this.modelId);
    if (sameImage) return { file, status: 'skipped', reason: 'duplicate', detail: 'the same photo is already enrolled', sampleId: sameImage.id };
    const other = hits.find((h) => this.labels.get(h.label) !== personId && h.distance <= this.threshold);
    if (other && !options.force) {
      const otherId = this.labels.get(other.label)!;
      const name = this.store.people.get(otherId)?.name ?? otherId;
      return { file, status: 'rejected', reason: 'matches_other_person', detail: `the face matches ${name} (distance ${round(other.distance)} <= ${round(this.threshold)}); likely mislabelled (use force to add anyway)`, match: { personId: otherId, name, distance: round(other.distance) } };
    }
    const rel = path.join('crops', personId, `${randomUUID()}.jpg`);
    const abs = path.join(this.dataDir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, crop);
    let sample: FaceSample;
    try {
      sample = this.store.transaction(() => {
        const s = this.store.samples.add({ personId, modelId: this.modelId, embedding, imageSha256, cropFile: rel, quality: { ...face.quality, box: face.box } });
        this.store.bumpRevision();
        this.store.audit.record(options.actor ?? 'cli', 'sample.add', personId, { sampleId: s.id, forced: Boolean(other && options.force) });
        return s;
      });
    } catch (e) {
      rmSync(abs, { force: true });
      throw e;
    }
    this.index.add(sample.id, embedding);
    this.labels.set(sample.id, personId);
    this.changed();
    return { file, status: 'accepted', sampleId: sample.id, box: face.box, quality: face.quality };
  }

  // ---------------------------------------------------------------- identification

  /** Identify one embedding (the stream pipeline's entry point): open-set, with margin rule. */
  identify(embedding: Float32Array, modelId: string = this.modelId): IdentifyMatch {
    this.assertModel(modelId);
    const { settings } = this.options;
    const hits = this.index.search(embedding, settings.topK).map((h) => ({ personId: this.labels.get(h.label)!, distance: Math.max(0, h.distance) }));
    const r = matchPeople(hits, { threshold: this.threshold, aggregation: settings.aggregation, ambiguityMargin: settings.ambiguityMargin }, (personId) => this.distancesTo(personId, embedding));
    const nameOf = (id: string) => this.store.people.get(id)?.name ?? id;
    return {
      personId: r.personId, name: r.personId ? nameOf(r.personId) : null,
      distance: r.distance === null ? null : round(r.distance), score: r.distance === null ? null : round(1 - r.distance),
      ambiguous: r.ambiguous, threshold: this.threshold,
      candidates: r.candidates.slice(0, 5).map((c) => ({ ...c, distance: round(c.distance), name: nameOf(c.personId) })),
    };
  }

  private distancesTo(personId: string, query: Float32Array): number[] {
    const out: number[] = [];
    for (const [label, owner] of this.labels) {
      if (owner !== personId) continue;
      const v = this.index.vector(label);
      if (!v) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * query[i]!;
      out.push(1 - dot);
    }
    return out;
  }

  /** Every face of an image with its identity (or unknown). */
  async identifyImage(input: ImageInput): Promise<{ width: number; height: number; modelId: string; faces: IdentifiedFace[] }> {
    this.assertModel();
    const r = await this.options.engine.analyze(input);
    return {
      width: r.width, height: r.height, modelId: r.modelId,
      faces: r.faces.map((f) => ({ box: f.box, detectionScore: f.score, quality: f.quality, match: f.embedding ? this.identify(f.embedding, r.modelId) : null })),
    };
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * Re-embed every sample from its stored crop with the current engine (after a model change),
   * then rebuild the index. Samples whose crop is missing or yields no face are reported, kept
   * unchanged (they stay excluded from the index until re-enrolled).
   */
  async reindex(progress?: (done: number, total: number) => void): Promise<{ reembedded: number; failed: { sampleId: number; reason: string }[] }> {
    const engine = this.options.engine;
    const all = [...this.store.samples.iterate()];
    const failed: { sampleId: number; reason: string }[] = [];
    const updates: { id: number; embedding: Float32Array }[] = [];
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      progress?.(i, all.length);
      const abs = s.cropFile ? this.resolveDataPath(s.cropFile) : undefined;
      if (!abs || !existsSync(abs)) { failed.push({ sampleId: s.id, reason: 'crop missing' }); continue; }
      try {
        const buf = readFileSync(abs);
        // The crop keeps a margin around the face: detect in it first, fall back to the whole crop.
        let faces = (await engine.analyze(buf)).faces.filter((f) => f.embedding);
        if (faces.length === 0) faces = (await engine.analyze(buf, { faceCrop: true })).faces.filter((f) => f.embedding);
        const best = faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
        if (!best) { failed.push({ sampleId: s.id, reason: 'no usable face in crop' }); continue; }
        updates.push({ id: s.id, embedding: best.embedding! });
      } catch (e) {
        failed.push({ sampleId: s.id, reason: (e as Error).message });
      }
    }
    progress?.(all.length, all.length);
    this.store.transaction(() => {
      for (const u of updates) this.store.samples.updateEmbedding(u.id, this.modelId, u.embedding);
      this.store.bumpRevision();
      this.store.audit.record('cli', 'gallery.reindex', null, { modelId: this.modelId, reembedded: updates.length, failed: failed.length });
    });
    this.refreshModelState();
    this.rebuildIndex('reindex');
    // crop folders of people erased while a crash interrupted the file deletion
    if (existsSync(this.cropsDir)) {
      for (const d of readdirSync(this.cropsDir)) if (!this.store.people.get(d)) rmSync(path.join(this.cropsDir, d), { recursive: true, force: true });
    }
    return { reembedded: updates.length, failed };
  }

  /** The whole gallery as one portable JSON document (embeddings and thumbnails in base64). */
  exportGallery(): GalleryFile {
    this.assertModel();
    return {
      format: 'facestream-gallery', version: 1, modelId: this.modelId, dim: this.options.engine.dim, exportedAt: new Date().toISOString(),
      people: this.store.people.list().map((p) => ({
        id: p.id, name: p.name, metadata: p.metadata,
        samples: this.store.samples.byPerson(p.id).map((s) => ({
          embedding: Buffer.from(s.embedding.buffer, s.embedding.byteOffset, s.embedding.byteLength).toString('base64'),
          imageSha256: s.imageSha256, quality: s.quality, createdAt: s.createdAt,
          thumbnail: this.thumbnail(s.id)?.toString('base64') ?? null,
        })),
      })),
    };
  }

  /**
   * Import a gallery file: its model must be the engine's. People keep their ids; a person that
   * exists already gets the samples it lacks (by photo hash). All rows in one transaction.
   */
  importGallery(data: unknown, actor = 'cli'): { people: number; samples: number; skipped: number } {
    const parsed = galleryFileSchema.safeParse(data);
    if (!parsed.success) throw new FaceStreamError('E_INVALID_GALLERY_FILE', `not a facestream gallery file: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const file = parsed.data;
    if (file.modelId !== this.modelId || file.dim !== this.options.engine.dim) {
      throw new FaceStreamError('E_MODEL_MISMATCH', `gallery file was embedded with ${file.modelId} (${file.dim}-d), this engine uses ${this.modelId} (${this.options.engine.dim}-d); import it with the same embedder, then reindex`);
    }
    this.assertModel();
    const added: { id: number; personId: string; embedding: Float32Array }[] = [];
    const written: string[] = [];
    let people = 0, skipped = 0;
    try {
      this.store.transaction(() => {
        for (const p of file.people) {
          if (!this.store.people.get(p.id)) { this.store.people.create(p.name, p.metadata, p.id); people++; }
          for (const s of p.samples) {
            if (this.store.samples.hasImage(p.id, s.imageSha256)) { skipped++; continue; }
            const buf = Buffer.from(s.embedding, 'base64');
            if (buf.byteLength !== file.dim * 4) throw new FaceStreamError('E_INVALID_GALLERY_FILE', `a sample of ${p.name} has ${buf.byteLength / 4} dimensions, the file says ${file.dim}`);
            const embedding = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
            let cropFile: string | null = null;
            if (s.thumbnail) {
              cropFile = path.join('crops', p.id, `${randomUUID()}.jpg`);
              mkdirSync(path.join(this.dataDir, 'crops', p.id), { recursive: true });
              writeFileSync(path.join(this.dataDir, cropFile), Buffer.from(s.thumbnail, 'base64'));
              written.push(path.join(this.dataDir, cropFile));
            }
            const row = this.store.samples.add({ personId: p.id, modelId: file.modelId, embedding, imageSha256: s.imageSha256, cropFile, quality: s.quality });
            added.push({ id: row.id, personId: p.id, embedding });
          }
        }
        if (added.length) this.store.bumpRevision();
        this.store.audit.record(actor, 'gallery.import', null, { people, samples: added.length, skipped });
      });
    } catch (e) {
      for (const f of written) rmSync(f, { force: true });
      throw e;
    }
    for (const a of added) { this.index.add(a.id, a.embedding); this.labels.set(a.id, a.personId); }
    if (added.length) this.changed();
    return { people, samples: added.length, skipped };
  }

  /** Save the index if it changed, then close the store. Idempotent; runs every step. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    try { if (this.dirty) this.saveIndex(); } catch (e) { errors.push(e); }
    if (this.saveTimer) clearTimeout(this.saveTimer);
    try { this.store.close(); } catch (e) { errors.push(e); }
    if (errors.length) throw new AggregateError(errors, 'Gallery.close: some steps failed');
  }
}

/** A JPEG of the face with a margin of its own size around it (the input of reindex). */
export async function cropJpeg(image: RgbImage, box: Box, margin = 0.4, maxSide = 320): Promise<Buffer> {
  const mx = box.width * margin, my = box.height * margin;
  const left = Math.max(0, Math.floor(box.x - mx)), top = Math.max(0, Math.floor(box.y - my));
  const right = Math.min(image.width, Math.ceil(box.x + box.width + mx)), bottom = Math.min(image.height, Math.ceil(box.y + box.height + my));
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 90 })
    .toBuffer();
}
