import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { GalleryConfig } from '../config/schema.js';
import { FaceStreamError, isFaceStreamError } from '../errors/index.js';
import { cosineDistance } from '../common/vectors.js';
import type { FaceVectors } from '../store/evidence.repository.js';
import type { DataStore } from '../store/data.store.js';
import { CROPS_DIR, personCropsDir, resolveInDataDir, SIGHTING_CROPS_DIR } from '../store/data-paths.js';
import type { FaceSample } from '../store/samples.repository.js';
import type { AnalyzedFace, AnalyzeResult } from '../vision/face.pipeline.js';
import type { RgbImage } from '../vision/decode/image.decoder.js';
import type { Box, FaceQuality } from '../vision/types.js';
import type { GalleryIndex } from './gallery.index.js';
import { round6, type FaceAnalyzer } from './gallery.types.js';
import type { PeopleService } from './people.service.js';

export const rejectReasons = ['no_face', 'several_faces', 'too_small', 'too_blurry', 'too_turned', 'unreadable', 'matches_other_person'] as const;
export type RejectReason = (typeof rejectReasons)[number];

/** The outcome of one photo offered for enrollment. */
/** Another enrolled person this face comes within the 1:1 threshold of: a look-alike (relatives), not an error. */
export interface LookalikeFlag { personId: string; name: string; distance: number }

export type EnrollOutcome =
  | { file: string; status: 'accepted'; sampleId: number; box: Box; quality: FaceQuality; lookalikes?: LookalikeFlag[] }
  | { file: string; status: 'skipped'; reason: 'duplicate'; detail: string; sampleId: number }
  | { file: string; status: 'rejected'; reason: RejectReason; detail: string; match?: { personId: string; name: string; distance: number } };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface EnrollmentDeps {
  store: Pick<DataStore, 'transaction' | 'bumpRevision' | 'people' | 'samples' | 'audit' | 'evidence'>;
  index: Pick<GalleryIndex, 'modelId' | 'dim' | 'closed' | 'assertModel' | 'search' | 'applyChanges' | 'refreshModelState' | 'rebuild'>;
  people: Pick<PeopleService, 'getPerson'>;
  engine: FaceAnalyzer;
  settings: Pick<GalleryConfig, 'topK' | 'duplicateDistance'> & Partial<Pick<GalleryConfig, 'enrollMinFaceSize' | 'enrollMinSharpness' | 'mislabelDistances'>>;
  /** Data directory: crops are written under <dataDir>/crops/<personId>/. */
  dataDir: string;
}

/**
 * Enrollment: photos in, face samples out (store row, crop file, index vector), and reindex
 * after a model change. The single writer of samples: enrollPhoto's checks and insert run
 * synchronously after the analysis, so concurrent enrollments see one consistent index.
 */
export class EnrollmentService {
  constructor(private readonly deps: EnrollmentDeps) {}

  private get modelId(): string { return this.deps.index.modelId; }

  /**
   * Offer one photo of a person. Exactly one usable face is required; a near-duplicate of one of
   * the person's samples is skipped. A face within the 1:1 threshold of a *different* person is
   * enrolled and flagged as a look-alike pair (relatives look alike); only one closer than
   * gallery.mislabelDistances.<embedder> (closer than different people come on LFW) is rejected as a likely
   * mislabel, unless `force` or `correction` (the user's own word: "this is X"). Outcomes are
   * return values; only an unknown person id or a model mismatch throw.
   */
  async enrollPhoto(personId: string, photo: Buffer | string, options: { label?: string; force?: boolean; correction?: boolean; actor?: string } = {}): Promise<EnrollOutcome> {
    const { store, index, people, engine, settings, dataDir } = this.deps;
    const file = options.label ?? (typeof photo === 'string' ? photo : 'upload');
    people.getPerson(personId);
    index.assertModel();
    let bytes: Buffer, image: RgbImage, result: AnalyzeResult;
    try {
      bytes = typeof photo === 'string' ? await readFile(photo) : photo;
      image = await engine.decode(bytes);
      const jitter = engine.enrollJitter ?? 0;
      result = await (engine.analyzePhoto ? engine.analyzePhoto(image, { jitter }) : engine.analyze(image, { jitter }));
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
    // a gallery sample must be better than what the live gate lets through
    if (face.quality.size < (settings.enrollMinFaceSize ?? 0)) {
      return { file, status: 'rejected', reason: 'too_small', detail: `face ${face.quality.size} px; gallery photos need at least ${settings.enrollMinFaceSize} px (gallery.enrollMinFaceSize)` };
    }
    if (face.quality.sharpness < (settings.enrollMinSharpness ?? 0)) {
      return { file, status: 'rejected', reason: 'too_blurry', detail: `sharpness ${face.quality.sharpness}; gallery photos need at least ${settings.enrollMinSharpness} (gallery.enrollMinSharpness)` };
    }
    const crop = await cropJpeg(image, face.box);

    // From here on synchronous: the checks and the insert see one consistent index, so
    // concurrent enrollments cannot both pass the duplicate check or lose a sample.
    if (index.closed) throw new Error('Gallery is closed');
    people.getPerson(personId);
    const threshold = engine.threshold;
    const embedding = face.embedding!;
    const hits = index.search(embedding, Math.max(settings.topK, 8));
    const own = hits.find((h) => h.personId === personId && h.distance < settings.duplicateDistance);
    if (own) return { file, status: 'skipped', reason: 'duplicate', detail: `within ${round6(own.distance)} of sample ${own.sampleId}`, sampleId: own.sampleId };
    const sameImage = store.samples.byPerson(personId).find((s) => s.imageSha256 === imageSha256 && s.modelId === this.modelId);
    if (sameImage) return { file, status: 'skipped', reason: 'duplicate', detail: 'the same photo is already enrolled', sampleId: sameImage.id };
    const nameOf = (id: string) => store.people.get(id)?.name ?? id;
    const lookalikes = new Map<string, LookalikeFlag>();
    for (const h of hits) {
      if (h.personId === personId || h.distance > threshold || lookalikes.has(h.personId)) continue;
      lookalikes.set(h.personId, { personId: h.personId, name: nameOf(h.personId), distance: round6(Math.max(0, h.distance)) });
    }
    const closest = [...lookalikes.values()][0];
    const mislabel = (engine.embedderName && settings.mislabelDistances?.[engine.embedderName]) ?? threshold;
    if (closest && closest.distance < mislabel && !options.force && !options.correction) {
      return { file, status: 'rejected', reason: 'matches_other_person', detail: `the face is ${closest.distance} from ${closest.name}: closer than different people come (gallery.mislabelDistances ${mislabel}); likely mislabelled (use force to add anyway)`, match: closest };
    }
    const rel = path.join(CROPS_DIR, personId, `${randomUUID()}.jpg`);
    mkdirSync(personCropsDir(dataDir, personId), { recursive: true });
    const abs = resolveInDataDir(dataDir, rel);
    writeFileSync(abs, crop);
    let sample: FaceSample;
    try {
      sample = store.transaction(() => {
        const confirm = face.confirmEmbedding && engine.confirmModelId ? { modelId: engine.confirmModelId, embedding: face.confirmEmbedding } : undefined;
        const s = store.samples.add({ personId, modelId: this.modelId, embedding, imageSha256, cropFile: rel, quality: { ...face.quality, box: face.box }, confirm });
        store.bumpRevision();
        store.audit.record(options.actor ?? 'cli', options.correction ? 'sample.add.correction' : 'sample.add', personId, { sampleId: s.id, forced: Boolean(closest && closest.distance < mislabel && options.force), lookalikes: [...lookalikes.keys()] });
        return s;
      });
    } catch (e) {
      rmSync(abs, { force: true });
      throw e;
    }
    index.applyChanges({ added: [{ sampleId: sample.id, personId, embedding }] });
    return { file, status: 'accepted', sampleId: sample.id, box: face.box, quality: face.quality, ...(lookalikes.size ? { lookalikes: [...lookalikes.values()] } : {}) };
  }

  /**
   * A correction's positive samples ("this is X" on a sighting, naming a stranger): faces already
   * embedded by the pipeline become samples of the person without the mislabel check (the user's
   * word). Faces of another model, and near-duplicates of the person's samples, are skipped.
   * `cropJpeg` (the sighting's crop) is stored as each sample's crop (thumbnail, reindex input).
   */
  addCorrectionSamples(personId: string, faces: readonly FaceVectors[], options: { cropJpeg?: Buffer | undefined; actor: string; source: string }): { added: number[]; skipped: number } {
    const { store, index, people, engine, settings, dataDir } = this.deps;
    people.getPerson(personId);
    index.assertModel();
    const added: { sampleId: number; personId: string; embedding: Float32Array }[] = [];
    const files: string[] = [];
    let skipped = 0;
    try {
      store.transaction(() => {
        for (const [i, f] of faces.entries()) {
          if (f.modelId !== this.modelId || f.embedding.length !== index.dim) { skipped++; continue; }
          const dup = index.search(f.embedding, settings.topK).some((h) => h.personId === personId && h.distance < settings.duplicateDistance)
            || added.some((a) => cosineDistance(a.embedding, f.embedding) < settings.duplicateDistance);
          if (dup) { skipped++; continue; }
          let rel: string | null = null;
          if (options.cropJpeg) {
            rel = path.join(CROPS_DIR, personId, `${randomUUID()}.jpg`);
            mkdirSync(personCropsDir(dataDir, personId), { recursive: true });
            writeFileSync(resolveInDataDir(dataDir, rel), options.cropJpeg);
            files.push(rel);
          }
          const confirm = f.confirm && f.confirm.modelId === engine.confirmModelId ? f.confirm : undefined;
          const imageSha256 = sha256(Buffer.concat([Buffer.from(`${options.source}:${i}:`), Buffer.from(f.embedding.buffer, f.embedding.byteOffset, f.embedding.byteLength)]));
          const sample = store.samples.add({ personId, modelId: this.modelId, embedding: f.embedding, imageSha256, cropFile: rel, quality: { source: options.source }, confirm });
          added.push({ sampleId: sample.id, personId, embedding: f.embedding });
        }
        if (added.length) {
          store.bumpRevision();
          store.audit.record(options.actor, 'sample.add.correction', personId, { samples: added.map((a) => a.sampleId), source: options.source });
        }
      });
    } catch (e) {
      for (const rel of files) rmSync(resolveInDataDir(dataDir, rel), { force: true });
      throw e;
    }
    if (added.length) index.applyChanges({ added });
    return { added: added.map((a) => a.sampleId), skipped };
  }

  /**
   * `facestream correct IMAGE --not NAME`: the photo's main face becomes evidence that it is not
   * this person (the naming rule then keeps faces close to it from being named `personId`).
   */
  async addEvidenceFromPhoto(personId: string, photo: Buffer | string, options: { actor?: string; label?: string } = {}): Promise<{ evidence: number; box: Box }> {
    const { store, index, people, engine } = this.deps;
    people.getPerson(personId);
    index.assertModel();
    const face = await this.primaryFace(photo, options.label ?? (typeof photo === 'string' ? photo : 'upload'));
    const confirm = face.confirmEmbedding && engine.confirmModelId ? { modelId: engine.confirmModelId, embedding: face.confirmEmbedding } : undefined;
    const n = store.transaction(() => {
      const k = store.evidence.addEvidence(personId, [{ modelId: this.modelId, embedding: face.embedding!, confirm }], 'photo', null);
      store.audit.record(options.actor ?? 'cli', 'evidence.not-person', personId, { source: 'photo', faces: k });
      return k;
    });
    return { evidence: n, box: face.box };
  }

  /** The largest embedded face of a photo, or a clear error. */
  private async primaryFace(photo: Buffer | string, label: string) {
    const { engine } = this.deps;
    const r = await (engine.analyzePhoto ? engine.analyzePhoto(photo) : engine.analyze(photo, { confirm: true }));
    const usable = r.faces.filter((f) => f.embedding);
    if (r.faces.length === 0) throw new FaceStreamError('E_NO_FACE', `${label}: no face found`);
    if (usable.length === 0) throw new FaceStreamError('E_FACE_REJECTED', `${label}: no face passed the quality gate (${[...new Set(r.faces.flatMap((f) => f.quality.reasons))].join(', ')})`);
    return usable.reduce((a, b) => (a.box.width * a.box.height >= b.box.width * b.box.height ? a : b));
  }

  /**
   * The largest embedded face of a sample's stored crop, with the confirming model's embedding
   * when the engine has one; or why there is none. The crop keeps a margin around the face:
   * detect in it first, fall back to the whole crop.
   */
  private async faceOfCrop(cropFile: string | null): Promise<AnalyzedFace | string> {
    const { engine, dataDir } = this.deps;
    const abs = cropFile ? resolveInDataDir(dataDir, cropFile) : undefined;
    if (!abs || !existsSync(abs)) return 'crop missing';
    const buf = readFileSync(abs);
    let faces = (await engine.analyze(buf, { confirm: true })).faces.filter((f) => f.embedding);
    if (faces.length === 0) faces = (await engine.analyze(buf, { faceCrop: true, confirm: true })).faces.filter((f) => f.embedding);
    return faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0] ?? 'no usable face in crop';
  }

  /**
   * Two witnesses on a gallery enrolled before them: add the confirming model's embedding to every
   * sample of the current model that lacks one, from its stored crop (the proposer's embedding is
   * kept). Samples whose crop is missing or shows no face are reported; they stay unconfirmable
   * (never named) until re-enrolled. The hub runs this at start; `reindex` does it too.
   */
  async backfillConfirm(progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<{ filled: number; failed: { sampleId: number; reason: string }[] }> {
    const { store, engine } = this.deps;
    const confirmModelId = engine.confirmModelId;
    const failed: { sampleId: number; reason: string }[] = [];
    if (!confirmModelId) return { filled: 0, failed };
    const todo = [...store.samples.iterate()].filter((s) => s.modelId === this.modelId && s.confirm?.modelId !== confirmModelId);
    let filled = 0;
    for (const [i, s] of todo.entries()) {
      if (signal?.aborted) break;
      progress?.(i, todo.length);
      try {
        const best = await this.faceOfCrop(s.cropFile);
        if (typeof best === 'string' || !best.confirmEmbedding) { failed.push({ sampleId: s.id, reason: typeof best === 'string' ? best : 'no usable face in crop' }); continue; }
        // the sample may have been erased meanwhile: update only what is still there
        if (!store.samples.get(s.id)) continue;
        store.samples.setConfirm(s.id, { modelId: confirmModelId, embedding: best.confirmEmbedding! });
        filled++;
      } catch (e) {
        failed.push({ sampleId: s.id, reason: (e as Error).message });
      }
    }
    progress?.(todo.length, todo.length);
    if (filled) store.transaction(() => { store.bumpRevision(); store.audit.record('system', 'gallery.confirm-backfill', null, { confirmModelId, filled, failed: failed.length }); });
    return { filled, failed };
  }

  /**
   * Re-embed every sample from its stored crop with the current engine (after a model change),
   * then rebuild the index. Samples whose crop is missing (or whose stored path leaves the data
   * directory) or yields no face are reported, kept unchanged (they stay excluded from the index
   * until re-enrolled).
   */
  async reindex(progress?: (done: number, total: number) => void): Promise<{ reembedded: number; failed: { sampleId: number; reason: string }[] }> {
    const { store, index, engine, dataDir } = this.deps;
    const all = [...store.samples.iterate()];
    const failed: { sampleId: number; reason: string }[] = [];
    const updates: { id: number; embedding: Float32Array; confirm: { modelId: string; embedding: Float32Array } | undefined }[] = [];
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      progress?.(i, all.length);
      try {
        const best = await this.faceOfCrop(s.cropFile);
        if (typeof best === 'string') { failed.push({ sampleId: s.id, reason: best }); continue; }
        updates.push({ id: s.id, embedding: best.embedding!, confirm: best.confirmEmbedding && engine.confirmModelId ? { modelId: engine.confirmModelId, embedding: best.confirmEmbedding } : undefined });
      } catch (e) {
        failed.push({ sampleId: s.id, reason: (e as Error).message });
      }
    }
    progress?.(all.length, all.length);
    store.transaction(() => {
      for (const u of updates) store.samples.updateEmbedding(u.id, this.modelId, u.embedding, u.confirm);
      store.bumpRevision();
      store.audit.record('cli', 'gallery.reindex', null, { modelId: this.modelId, reembedded: updates.length, failed: failed.length });
    });
    index.refreshModelState();
    index.rebuild('reindex');
    // crop folders of people erased while a crash interrupted the file deletion (crops/sightings
    // holds the sightings' crops: not a person's folder)
    const cropsDir = resolveInDataDir(dataDir, CROPS_DIR);
    if (existsSync(cropsDir)) {
      for (const d of readdirSync(cropsDir)) {
        if (path.join(CROPS_DIR, d) === SIGHTING_CROPS_DIR || store.people.get(d)) continue;
        rmSync(personCropsDir(dataDir, d), { recursive: true, force: true });
      }
    }
    return { reembedded: updates.length, failed };
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
