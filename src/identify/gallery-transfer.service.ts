import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FaceStreamError } from '../errors/index.js';
import type { DataStore } from '../store/data.store.js';
import { CROPS_DIR, personCropsDir, resolveInDataDir } from '../store/data-paths.js';
import type { GalleryIndex } from './gallery.index.js';
import type { FaceAnalyzer } from './gallery.types.js';
import { isPersonId, quoteId, type PeopleService } from './people.service.js';

/** Metadata and quality objects deeper than this are refused (they are stored as JSON and served back). */
const maxJsonDepth = 32;

/** Nesting depth of a JSON value, counted without recursion (a hostile file may nest 100,000 levels). */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) max = d + 1;
    if (max > limit) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

const boundedObject = z.record(z.string(), z.unknown()).refine((v) => jsonDepth(v, maxJsonDepth) <= maxJsonDepth, `nested deeper than ${maxJsonDepth} levels`);

// C0 and C1 control characters (NUL, ESC, newlines ...): a name is shown in terminals and pages
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f-\u009f]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const importedName = z.string().min(1)
  .refine((n) => !controlChars.test(n), 'a name must not contain control characters')
  .refine((n) => !loneSurrogate.test(n), 'a name must be well-formed Unicode (no lone surrogates)');

/** A person id of the file that is not one of ours, and the new id it was given in this import. */
export interface RemappedId { from: string; to: string }

export interface ImportResult {
  people: number;
  samples: number;
  skipped: number;
  /** Present only when some of the file's person ids were not UUIDs and got new ones. */
  remapped?: RemappedId[];
}

const confirmVector = z.strictObject({ modelId: z.string().min(1).max(200), embedding: z.string().min(1).max(100_000) });
const b64 = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

/** A base64 float32 vector of `dim` dimensions, L2-normalised with finite numbers, or a clear error. */
function decodeVector(b: string, dim: number | undefined, where: string): Float32Array {
  const buf = Buffer.from(b, 'base64');
  if (buf.byteLength === 0 || buf.byteLength % 4 !== 0 || (dim !== undefined && buf.byteLength !== dim * 4)) throw new FaceStreamError('E_INVALID_GALLERY_FILE', `${where}: the embedding has ${buf.byteLength / 4} dimensions${dim === undefined ? '' : `, the file says ${dim}`}`);
  const v = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  let norm = 0;
  for (const x of v) norm += x * x;
  // NaN and Infinity poison every distance; embeddings are L2-normalised
  if (!Number.isFinite(norm) || Math.abs(Math.sqrt(norm) - 1) > 1e-3) throw new FaceStreamError('E_INVALID_GALLERY_FILE', `${where}: the embedding is not an L2-normalised vector of finite numbers`);
  return v;
}

/** The portable gallery file (`facestream gallery export`). */
export const galleryFileSchema = z.strictObject({
  format: z.literal('facestream-gallery'),
  version: z.literal(1),
  modelId: z.string().min(1),
  dim: z.number().int().positive(),
  exportedAt: z.string(),
  people: z.array(z.strictObject({
    id: z.string().describe('the person id; anything but a UUID gets a new id on import'),
    name: importedName,
    metadata: boundedObject,
    samples: z.array(z.strictObject({
      embedding: z.string().min(1).describe('base64 of little-endian float32'),
      imageSha256: z.string(),
      quality: boundedObject,
      thumbnail: z.string().nullable().describe('base64 JPEG'),
      createdAt: z.string(),
      confirm: confirmVector.optional().describe('the confirming model\'s embedding (two witnesses)'),
    })),
    notEvidence: z.array(z.strictObject({
      embedding: z.string().min(1).describe('base64 of little-endian float32, the file\'s model'),
      confirm: confirmVector.optional(),
    })).max(100_000).optional().describe('faces the user said are NOT this person (corrections)'),
  })),
});
export type GalleryFile = z.infer<typeof galleryFileSchema>;

export interface GalleryTransferDeps {
  store: Pick<DataStore, 'transaction' | 'bumpRevision' | 'people' | 'samples' | 'audit' | 'evidence'>;
  index: Pick<GalleryIndex, 'modelId' | 'assertModel' | 'applyChanges'>;
  people: Pick<PeopleService, 'thumbnail'>;
  engine: Pick<FaceAnalyzer, 'dim'>;
  /** Data directory: imported thumbnails are written under <dataDir>/crops/<personId>/. */
  dataDir: string;
}

/** Export and import of the whole gallery as one portable JSON document. */
export class GalleryTransferService {
  constructor(private readonly deps: GalleryTransferDeps) {}

  private get modelId(): string { return this.deps.index.modelId; }

  /** The whole gallery as one portable JSON document (embeddings and thumbnails in base64). */
  exportGallery(): GalleryFile {
    const { store, index, people, engine } = this.deps;
    index.assertModel();
    const evidence = store.evidence.evidence(this.modelId);
    return {
      format: 'facestream-gallery', version: 1, modelId: this.modelId, dim: engine.dim, exportedAt: new Date().toISOString(),
      people: store.people.list().map((p) => ({
        id: p.id, name: p.name, metadata: p.metadata,
        samples: store.samples.byPerson(p.id).map((s) => ({
          embedding: Buffer.from(s.embedding.buffer, s.embedding.byteOffset, s.embedding.byteLength).toString('base64'),
          imageSha256: s.imageSha256, quality: s.quality, createdAt: s.createdAt,
          thumbnail: people.thumbnail(s.id)?.toString('base64') ?? null,
          ...(s.confirm ? { confirm: { modelId: s.confirm.modelId, embedding: b64(s.confirm.embedding) } } : {}),
        })),
        notEvidence: evidence.filter((e) => e.notPersonId === p.id).map((e) => ({ embedding: b64(e.embedding), ...(e.confirm ? { confirm: { modelId: e.confirm.modelId, embedding: b64(e.confirm.embedding) } } : {}) })),
      })),
    };
  }

  /**
   * Import a gallery file: its model must be the engine's. Ids are data, never paths: a person
   * whose id is a UUID keeps it (a person that exists already gets the samples it lacks, by
   * photo hash); any other id (`../../x`, `a/b`, `sightings`, NUL, 10 kB, empty) gets a new UUID,
   * the same one for every entry of that id in the file, reported in `remapped`. Every embedding
   * and thumbnail is checked before anything is written; all rows in one transaction.
   */
  importGallery(data: unknown, actor = 'cli'): ImportResult {
    const { store, index, engine, dataDir } = this.deps;
    const parsed = galleryFileSchema.safeParse(data);
    // keys and messages may quote the file's own strings: escaped and cut (quoteId)
    const text = (t: string) => quoteId(t).slice(1, -1);
    if (!parsed.success) throw new FaceStreamError('E_INVALID_GALLERY_FILE', `not a facestream gallery file: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.map((k) => (typeof k === 'string' ? text(k) : String(k))).join('.') || '(root)'}: ${text(i.message)}`).join('; ')}`);
    const file = parsed.data;
    if (file.modelId !== this.modelId || file.dim !== engine.dim) {
      throw new FaceStreamError('E_MODEL_MISMATCH', `gallery file was embedded with ${quoteId(file.modelId)} (${file.dim}-d), this engine uses ${this.modelId} (${engine.dim}-d); import it with the same embedder, then reindex`);
    }
    index.assertModel();

    const idOf = new Map<string, string>();
    const remapped: RemappedId[] = [];
    for (const p of file.people) {
      if (idOf.has(p.id)) continue;
      const id = isPersonId(p.id) ? p.id : randomUUID();
      idOf.set(p.id, id);
      if (id !== p.id) remapped.push({ from: p.id, to: id });
    }
    // decode and check every sample before the first row or file is written
    const people = file.people.map((p, pi) => ({
      id: idOf.get(p.id)!, name: p.name, metadata: p.metadata,
      samples: p.samples.map((s, si) => {
        const where = `people.${pi}.samples.${si}`;
        const embedding = decodeVector(s.embedding, file.dim, where);
        const confirm = s.confirm ? { modelId: s.confirm.modelId, embedding: decodeVector(s.confirm.embedding, undefined, `${where}.confirm`) } : undefined;
        const thumbnail = s.thumbnail ? Buffer.from(s.thumbnail, 'base64') : null;
        // thumbnails are served as image/jpeg and are the input of reindex: JPEG only
        if (thumbnail && !(thumbnail.length > 3 && thumbnail[0] === 0xff && thumbnail[1] === 0xd8 && thumbnail[2] === 0xff)) {
          throw new FaceStreamError('E_INVALID_GALLERY_FILE', `${where}: the thumbnail is not a JPEG`);
        }
        return { embedding, thumbnail, imageSha256: s.imageSha256, quality: s.quality, confirm };
      }),
      notEvidence: (p.notEvidence ?? []).map((e, ei) => ({
        modelId: file.modelId, embedding: decodeVector(e.embedding, file.dim, `people.${pi}.notEvidence.${ei}`),
        confirm: e.confirm ? { modelId: e.confirm.modelId, embedding: decodeVector(e.confirm.embedding, undefined, `people.${pi}.notEvidence.${ei}.confirm`) } : undefined,
      })),
    }));
    // every id is a UUID now, so this cannot refuse; it stays the one check of a crop folder
    const cropDirs = new Map(people.map((p) => [p.id, personCropsDir(dataDir, p.id)]));
    const added: { sampleId: number; personId: string; embedding: Float32Array }[] = [];
    const written: string[] = [];
    let created = 0, skipped = 0, evidenceAdded = 0;
    try {
      store.transaction(() => {
        for (const p of people) {
          const isNew = !store.people.get(p.id);
          if (isNew) { store.people.create(p.name, p.metadata, p.id); created++; }
          for (const s of p.samples) {
            if (store.samples.hasImage(p.id, s.imageSha256)) { skipped++; continue; }
            let cropFile: string | null = null;
            if (s.thumbnail) {
              cropFile = path.join(CROPS_DIR, p.id, `${randomUUID()}.jpg`);
              mkdirSync(cropDirs.get(p.id)!, { recursive: true });
              const abs = resolveInDataDir(dataDir, cropFile);
              writeFileSync(abs, s.thumbnail);
              written.push(abs);
            }
            const row = store.samples.add({ personId: p.id, modelId: file.modelId, embedding: s.embedding, imageSha256: s.imageSha256, cropFile, quality: s.quality, confirm: s.confirm });
            added.push({ sampleId: row.id, personId: p.id, embedding: s.embedding });
          }
          // evidence comes with a person new here (an existing person keeps theirs: no double counting)
          if (isNew && p.notEvidence.length) evidenceAdded += store.evidence.addEvidence(p.id, p.notEvidence, 'photo', null);
        }
        if (added.length) store.bumpRevision();
        store.audit.record(actor, 'gallery.import', null, { people: created, samples: added.length, skipped, remapped: remapped.length, evidence: evidenceAdded });
      });
    } catch (e) {
      for (const f of written) rmSync(f, { force: true });
      throw e;
    }
    index.applyChanges({ added });
    return { people: created, samples: added.length, skipped, ...(remapped.length ? { remapped } : {}) };
  }
}
