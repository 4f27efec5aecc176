import { nowIso, type Db } from './database.js';
import { blobToEmbedding, embeddingToBlob } from './samples.repository.js';

/** A face embedding under the proposing model, with the confirming model's when it was computed. */
export interface FaceVectors {
  modelId: string;
  embedding: Float32Array;
  confirm?: { modelId: string; embedding: Float32Array } | undefined;
}

/** One embedded face of a sighting (its best faces are kept so a correction can use them). */
export interface SightingFace extends FaceVectors {
  id: number;
  sightingId: number;
  /** Who this face's own embedding named (null: nobody). */
  namedPersonId: string | null;
  quality: number;
}

/** A face the user said is NOT `notPersonId` ("not this person" on a sighting, `correct --not`). */
export interface CorrectionEvidence extends FaceVectors {
  id: number;
  notPersonId: string;
  sightingId: number | null;
  source: 'sighting' | 'photo';
  createdAt: string;
}

interface VectorRow { model_id: string; embedding: Buffer; confirm_model_id: string | null; confirm_embedding: Buffer | null }
const vectorsOf = (r: VectorRow): FaceVectors => ({
  modelId: r.model_id, embedding: blobToEmbedding(r.embedding),
  ...(r.confirm_model_id && r.confirm_embedding ? { confirm: { modelId: r.confirm_model_id, embedding: blobToEmbedding(r.confirm_embedding) } } : {}),
});

/**
 * Sighting faces and correction evidence (SQLite, migration 3). Evidence changes move
 * `evidence_revision` (triggers), so the matcher's in-memory copy knows when to reload.
 */
export class EvidenceRepository {
  constructor(private readonly db: Db) {}

  /** Replace the kept faces of a sighting (the tracker sends its best embedded faces, best first). */
  setSightingFaces(sightingId: number, faces: readonly (FaceVectors & { namedPersonId: string | null; quality: number })[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM sighting_faces WHERE sighting_id = ?').run(sightingId);
      const ins = this.db.prepare('INSERT INTO sighting_faces (sighting_id, model_id, embedding, confirm_model_id, confirm_embedding, named_person_id, quality) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const f of faces) ins.run(sightingId, f.modelId, embeddingToBlob(f.embedding), f.confirm?.modelId ?? null, f.confirm ? embeddingToBlob(f.confirm.embedding) : null, f.namedPersonId, f.quality);
    })();
  }

  sightingFaces(sightingId: number): SightingFace[] {
    return (this.db.prepare('SELECT * FROM sighting_faces WHERE sighting_id = ? ORDER BY quality DESC, id').all(sightingId) as (VectorRow & { id: number; sighting_id: number; named_person_id: string | null; quality: number })[])
      .map((r) => ({ ...vectorsOf(r), id: r.id, sightingId: r.sighting_id, namedPersonId: r.named_person_id, quality: r.quality }));
  }

  /** The person's most recent named sightings that kept faces, each as the mean of its faces (proposer model). */
  recentSightingVectors(personId: string, modelId: string, limit = 50): { sightingId: number; embeddings: Float32Array[] }[] {
    const rows = this.db.prepare(`SELECT f.sighting_id AS sid, f.embedding AS e FROM sighting_faces f JOIN sightings s ON s.id = f.sighting_id
      WHERE s.person_id = ? AND f.model_id = ? AND s.id IN (SELECT id FROM sightings WHERE person_id = ? ORDER BY first_seen DESC LIMIT ?)`).all(personId, modelId, personId, limit) as { sid: number; e: Buffer }[];
    const by = new Map<number, Float32Array[]>();
    for (const r of rows) { const l = by.get(r.sid); const v = blobToEmbedding(r.e); if (l) l.push(v); else by.set(r.sid, [v]); }
    return [...by].map(([sightingId, embeddings]) => ({ sightingId, embeddings }));
  }

  /** Record faces as "not this person"; call inside the caller's transaction (with its audit record). */
  addEvidence(notPersonId: string, faces: readonly FaceVectors[], source: CorrectionEvidence['source'], sightingId: number | null): number {
    const ins = this.db.prepare('INSERT INTO correction_evidence (not_person_id, model_id, embedding, confirm_model_id, confirm_embedding, sighting_id, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const at = nowIso();
    for (const f of faces) ins.run(notPersonId, f.modelId, embeddingToBlob(f.embedding), f.confirm?.modelId ?? null, f.confirm ? embeddingToBlob(f.confirm.embedding) : null, sightingId, source, at);
    return faces.length;
  }

  /** Drop the evidence taken from a sighting (the user later said who it is). */
  removeEvidenceOfSighting(sightingId: number): number {
    return this.db.prepare('DELETE FROM correction_evidence WHERE sighting_id = ?').run(sightingId).changes;
  }

  /** Every piece of evidence of `modelId` (the matcher loads them once per evidence revision). */
  evidence(modelId: string): CorrectionEvidence[] {
    return (this.db.prepare('SELECT * FROM correction_evidence WHERE model_id = ? ORDER BY id').all(modelId) as (VectorRow & { id: number; not_person_id: string; sighting_id: number | null; source: string; created_at: string })[])
      .map((r) => ({ ...vectorsOf(r), id: r.id, notPersonId: r.not_person_id, sightingId: r.sighting_id, source: r.source as CorrectionEvidence['source'], createdAt: r.created_at }));
  }

  countEvidence(notPersonId?: string): number {
    const r = notPersonId === undefined
      ? this.db.prepare('SELECT count(*) AS n FROM correction_evidence').get()
      : this.db.prepare('SELECT count(*) AS n FROM correction_evidence WHERE not_person_id = ?').get(notPersonId);
    return (r as { n: number }).n;
  }

  /** Changes with every evidence row added or removed, a person's erasure included (triggers of migration 3). */
  get revision(): string {
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'evidence_revision'").get() as { value: string }).value;
  }
}
