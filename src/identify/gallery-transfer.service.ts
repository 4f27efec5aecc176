import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FaceStreamError } from '../errors/index.js';
import type { DataStore } from '../store/data.store.js';
import { CROPS_DIR, personCropsDir, resolveInDataDir } from '../store/data-paths.js';
import type { GalleryIndex } from './gallery.index.js';
import type { FaceAnalyzer } from './gallery.types.js';
import type { PeopleService } from './people.service.js';

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

export interface GalleryTransferDeps {
  store: Pick<DataStore, 'transaction' | 'bumpRevision' | 'people' | 'samples' | 'audit'>;
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
    return {
      format: 'facestream-gallery', version: 1, modelId: this.modelId, dim: engine.dim, exportedAt: new Date().toISOString(),
      people: store.people.list().map((p) => ({
        id: p.id, name: p.name, metadata: p.metadata,
        samples: store.samples.byPerson(p.id).map((s) => ({
          embedding: Buffer.from(s.embedding.buffer, s.embedding.byteOffset, s.embedding.byteLength).toString('base64'),
          imageSha256: s.imageSha256, quality: s.quality, createdAt: s.createdAt,
          thumbnail: people.thumbnail(s.id)?.toString('base64') ?? null,
        })),
      })),
    };
  }

  /**
   * Import a gallery file: its model must be the engine's. People keep their ids (each must be
   * able to name its own crop folder); a person that exists already gets the samples it lacks
   * (by photo hash). All rows in one transaction.
   */
  importGallery(data: unknown, actor = 'cli'): { people: number; samples: number; skipped: number } {
    const { store, index, engine, dataDir } = this.deps;
    const parsed = galleryFileSchema.safeParse(data);
    if (!parsed.success) throw new FaceStreamError('E_INVALID_GALLERY_FILE', `not a facestream gallery file: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const file = parsed.data;
    if (file.modelId !== this.modelId || file.dim !== engine.dim) {
      throw new FaceStreamError('E_MODEL_MISMATCH', `gallery file was embedded with ${file.modelId} (${file.dim}-d), this engine uses ${this.modelId} (${engine.dim}-d); import it with the same embedder, then reindex`);
    }
    index.assertModel();
    // person ids become folder names: refuse the file before anything is written
    const cropDirs = new Map(file.people.map((p) => [p.id, personCropsDir(dataDir, p.id)]));
    const added: { sampleId: number; personId: string; embedding: Float32Array }[] = [];
    const written: string[] = [];
    let people = 0, skipped = 0;
    try {
      store.transaction(() => {
        for (const p of file.people) {
          if (!store.people.get(p.id)) { store.people.create(p.name, p.metadata, p.id); people++; }
          for (const s of p.samples) {
            if (store.samples.hasImage(p.id, s.imageSha256)) { skipped++; continue; }
            const buf = Buffer.from(s.embedding, 'base64');
            if (buf.byteLength !== file.dim * 4) throw new FaceStreamError('E_INVALID_GALLERY_FILE', `a sample of ${p.name} has ${buf.byteLength / 4} dimensions, the file says ${file.dim}`);
            const embedding = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
            let cropFile: string | null = null;
            if (s.thumbnail) {
              cropFile = path.join(CROPS_DIR, p.id, `${randomUUID()}.jpg`);
              mkdirSync(cropDirs.get(p.id)!, { recursive: true });
              const abs = resolveInDataDir(dataDir, cropFile);
              writeFileSync(abs, Buffer.from(s.thumbnail, 'base64'));
              written.push(abs);
            }
            const row = store.samples.add({ personId: p.id, modelId: file.modelId, embedding, imageSha256: s.imageSha256, cropFile, quality: s.quality });
            added.push({ sampleId: row.id, personId: p.id, embedding });
          }
        }
        if (added.length) store.bumpRevision();
        store.audit.record(actor, 'gallery.import', null, { people, samples: added.length, skipped });
      });
    } catch (e) {
      for (const f of written) rmSync(f, { force: true });
      throw e;
    }
    index.applyChanges({ added });
    return { people, samples: added.length, skipped };
  }
}
