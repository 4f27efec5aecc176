import { nowIso, type Db } from './database.js';

/** One enrolled face of a person: its embedding, the model that made it, and its crop. */
export interface FaceSample {
  id: number;
  personId: string;
  modelId: string;
  embedding: Float32Array;
  /** sha256 of the source photo's bytes (the same photo is never enrolled twice for a person). */
  imageSha256: string;
  /** Face crop JPEG, relative to the data directory (the thumbnail, and the input of reindex). */
  cropFile: string | null;
  quality: Record<string, unknown>;
  createdAt: string;
  /** The confirming model's embedding of the same face (two witnesses), when it was computed. */
  confirm?: { modelId: string; embedding: Float32Array } | undefined;
}

export type NewFaceSample = Omit<FaceSample, 'id' | 'createdAt'>;

interface Row { id: number; person_id: string; model_id: string; dim: number; embedding: Buffer; image_sha256: string; crop_file: string | null; quality: string; created_at: string; confirm_model_id: string | null; confirm_embedding: Buffer | null }

export const embeddingToBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
export const blobToEmbedding = (b: Buffer): Float32Array => {
  if (b.byteLength % 4 !== 0) throw new Error(`embedding blob of ${b.byteLength} bytes is not a float32 vector`);
  // copy: the Buffer may share a pool whose offset is not 4-aligned
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

const toSample = (r: Row): FaceSample => ({
  id: r.id, personId: r.person_id, modelId: r.model_id, embedding: blobToEmbedding(r.embedding), imageSha256: r.image_sha256,
  cropFile: r.crop_file, quality: JSON.parse(r.quality) as Record<string, unknown>, createdAt: r.created_at,
  ...(r.confirm_model_id && r.confirm_embedding ? { confirm: { modelId: r.confirm_model_id, embedding: blobToEmbedding(r.confirm_embedding) } } : {}),
});

export class SamplesRepository {
  constructor(private readonly db: Db) {}

  add(s: NewFaceSample): FaceSample {
    const at = nowIso();
    const r = this.db.prepare('INSERT INTO face_samples (person_id, model_id, dim, embedding, image_sha256, crop_file, quality, created_at, confirm_model_id, confirm_embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.personId, s.modelId, s.embedding.length, embeddingToBlob(s.embedding), s.imageSha256, s.cropFile, JSON.stringify(s.quality), at, s.confirm?.modelId ?? null, s.confirm ? embeddingToBlob(s.confirm.embedding) : null);
    return { ...s, id: Number(r.lastInsertRowid), createdAt: at };
  }

  get(id: number): FaceSample | undefined {
    const r = this.db.prepare('SELECT * FROM face_samples WHERE id = ?').get(id) as Row | undefined;
    return r && toSample(r);
  }

  byPerson(personId: string): FaceSample[] {
    return (this.db.prepare('SELECT * FROM face_samples WHERE person_id = ? ORDER BY id').all(personId) as Row[]).map(toSample);
  }

  countByPerson(personId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM face_samples WHERE person_id = ?').get(personId) as { n: number }).n;
  }

  /** Every sample, in id order, one at a time (galleries can be large). */
  *iterate(): Generator<FaceSample> {
    for (const r of this.db.prepare('SELECT * FROM face_samples ORDER BY id').iterate() as IterableIterator<Row>) yield toSample(r);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM face_samples').get() as { n: number }).n;
  }

  /** Distinct (model, dimension) pairs among the samples: more than one means a reindex is due. */
  models(): { modelId: string; dim: number; count: number }[] {
    return this.db.prepare('SELECT model_id AS modelId, dim, count(*) AS count FROM face_samples GROUP BY model_id, dim ORDER BY count DESC').all() as { modelId: string; dim: number; count: number }[];
  }

  hasImage(personId: string, imageSha256: string): boolean {
    return this.db.prepare('SELECT 1 FROM face_samples WHERE person_id = ? AND image_sha256 = ?').get(personId, imageSha256) !== undefined;
  }

  updateEmbedding(id: number, modelId: string, embedding: Float32Array, confirm?: { modelId: string; embedding: Float32Array }): void {
    this.db.prepare('UPDATE face_samples SET model_id = ?, dim = ?, embedding = ?, confirm_model_id = ?, confirm_embedding = ? WHERE id = ?')
      .run(modelId, embedding.length, embeddingToBlob(embedding), confirm?.modelId ?? null, confirm ? embeddingToBlob(confirm.embedding) : null, id);
  }

  /** Set the confirming model's embedding of a sample (two witnesses on a gallery enrolled before them). */
  setConfirm(id: number, confirm: { modelId: string; embedding: Float32Array }): void {
    this.db.prepare('UPDATE face_samples SET confirm_model_id = ?, confirm_embedding = ? WHERE id = ?').run(confirm.modelId, embeddingToBlob(confirm.embedding), id);
  }

  /** Confirming-model embeddings of these people's samples (the candidates of one face). */
  confirmVectorsOf(personIds: readonly string[], confirmModelId: string): { personId: string; embedding: Float32Array }[] {
    if (personIds.length === 0) return [];
    const rows = this.db.prepare(`SELECT person_id, confirm_embedding FROM face_samples WHERE confirm_model_id = ? AND confirm_embedding IS NOT NULL AND person_id IN (${personIds.map(() => '?').join(',')})`)
      .all(confirmModelId, ...personIds) as { person_id: string; confirm_embedding: Buffer }[];
    return rows.map((r) => ({ personId: r.person_id, embedding: blobToEmbedding(r.confirm_embedding) }));
  }

  /** Samples of `modelId` that lack an embedding of the confirming model (reindex fills them). */
  missingConfirm(modelId: string, confirmModelId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM face_samples WHERE model_id = ? AND (confirm_model_id IS NULL OR confirm_model_id != ?)').get(modelId, confirmModelId) as { n: number }).n;
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM face_samples WHERE id = ?').run(id).changes > 0;
  }
}
