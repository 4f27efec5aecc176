import path from 'node:path';
import { FaceStreamError } from '../errors/index.js';
import type { DataStore } from '../store/data.store.js';
import { silentLogger, type GalleryLogger } from './gallery.types.js';
import { HnswIndex, loadIndexFiles, saveIndexFiles, type HnswParams, type IndexStamp } from './hnsw.index.js';

export interface GalleryIndexOptions {
  /** Data directory: the index lives in <dataDir>/index. */
  dataDir: string;
  /** The engine's model: only its samples are indexed. */
  modelId: string;
  dim: number;
  params: HnswParams;
  logger?: GalleryLogger;
  /**
   * Save the index this long after the last change (ms); 0 = only on save()/close().
   * A crash before the save only costs a rebuild from the store on the next start.
   */
  saveDelayMs?: number;
}

/** A nearest sample, with the person it belongs to. */
export interface SampleHit { sampleId: number; personId: string; distance: number }

/**
 * The HNSW index over the face samples of the engine's model (derived from the store, persisted
 * with its label map, rebuilt whenever it is missing, corrupt or stale), plus the model-state
 * check: the gallery refuses work while the store holds samples of another model. Labels are
 * sample ids; each maps to its person. One instance per data directory and process.
 */
export class GalleryIndex {
  private index!: HnswIndex;
  private labelMap = new Map<number, string>();
  private dirty = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private isClosed = false;
  private readonly logger: GalleryLogger;
  /** Samples of other models than the engine's ("2 of x, ..."), or null; kept current on writes. */
  private foreignModels: string | null = null;

  private constructor(private readonly store: Pick<DataStore, 'samples' | 'revision'>, private readonly options: GalleryIndexOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Load the persisted index, or rebuild it from the store when it is missing, corrupt or stale. */
  static open(store: Pick<DataStore, 'samples' | 'revision'>, options: GalleryIndexOptions): GalleryIndex {
    const g = new GalleryIndex(store, { ...options, params: { ...options.params } });
    g.start();
    return g;
  }

  get dir(): string { return path.join(this.options.dataDir, 'index'); }
  get modelId(): string { return this.options.modelId; }
  get dim(): number { return this.options.dim; }
  /** Live vectors in the index (equals the number of samples of the engine's model). */
  get size(): number { return this.index.size; }
  /** Labels (sample ids) in the index, for checks. */
  labels(): number[] { return this.index.labels(); }
  get closed(): boolean { return this.isClosed; }

  private stamp(): IndexStamp {
    return { revision: this.store.revision, modelId: this.modelId, dim: this.dim };
  }

  /** Re-read which models the stored samples were embedded with (after samples were removed or re-embedded). */
  refreshModelState(): void {
    const others = this.store.samples.models().filter((m) => m.modelId !== this.modelId);
    this.foreignModels = others.length ? others.map((m) => `${m.count} of ${m.modelId}`).join(', ') : null;
  }

  private start(): void {
    this.refreshModelState();
    const loaded = loadIndexFiles(this.dir, this.stamp(), this.options.params);
    if (loaded.ok) {
      this.index = loaded.index;
      this.labelMap = loaded.labels;
      // The graph keeps the M / efConstruction it was built with (older defaults included);
      // new settings take effect at the next rebuild, not on load (a 1M rebuild takes ~30 min).
      const built = loaded.builtWith, want = this.options.params;
      if (built && (built.M !== want.M || built.efConstruction !== want.efConstruction)) {
        this.logger.info({ builtWith: { M: built.M, efConstruction: built.efConstruction }, settings: { M: want.M, efConstruction: want.efConstruction }, dir: this.dir }, 'gallery index was built with other graph parameters; they apply at the next rebuild (remove the index folder to rebuild on start)');
      }
      // Tombstones cost memory and search time; past a quarter of the graph, compact.
      if (this.index.deleted > Math.max(64, this.index.size / 4)) this.rebuild('compact');
      return;
    }
    if (loaded.reason !== 'missing' || this.store.samples.count() > 0) this.logger.warn({ reason: loaded.reason, detail: loaded.detail }, 'gallery index not usable; rebuilding from the store');
    this.rebuild(loaded.reason);
  }

  /** Rebuild the index from the store's samples of the engine's model, then persist it. */
  rebuild(why = 'requested'): void {
    const count = this.store.samples.count();
    const index = HnswIndex.create(this.dim, this.options.params, Math.ceil(count * 1.25) + 64);
    const labels = new Map<number, string>();
    for (const s of this.store.samples.iterate()) {
      if (s.modelId !== this.modelId || s.embedding.length !== index.dim) continue;
      index.add(s.id, s.embedding);
      labels.set(s.id, s.personId);
    }
    this.index = index;
    this.labelMap = labels;
    this.logger.info({ why, vectors: index.size, efSearch: index.currentEfSearch }, 'gallery index rebuilt');
    this.save();
  }

  /** Persist the index now (atomically; see saveIndexFiles). */
  save(): void {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    saveIndexFiles(this.dir, this.index, this.labelMap, this.stamp(), this.options.params);
    this.dirty = false;
  }

  private changed(): void {
    this.dirty = true;
    const delay = this.options.saveDelayMs ?? 0;
    if (delay > 0 && !this.saveTimer) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        try { this.save(); } catch (e) { this.logger.warn({ err: (e as Error).message }, 'gallery index save failed; it will be rebuilt on start'); }
      }, delay);
      this.saveTimer.unref();
    }
  }

  /**
   * Mirror committed sample changes (call after the store transaction that bumped the revision):
   * removed samples leave the index, added ones join it; the index is then due for a save (it is
   * stamped with the store's revision), and a removal re-reads the model state.
   */
  applyChanges(changes: { added?: readonly { sampleId: number; personId: string; embedding: Float32Array }[]; removed?: readonly number[] }): void {
    const added = changes.added ?? [], removed = changes.removed ?? [];
    for (const id of removed) if (this.index.remove(id)) this.labelMap.delete(id);
    for (const a of added) { this.index.add(a.sampleId, a.embedding); this.labelMap.set(a.sampleId, a.personId); }
    if (added.length || removed.length) this.changed();
    if (removed.length) this.refreshModelState();
  }

  /** The k nearest samples of the engine's model, nearest first. */
  search(embedding: Float32Array, k: number): SampleHit[] {
    return this.index.search(embedding, k).map((h) => ({ sampleId: h.label, personId: this.labelMap.get(h.label)!, distance: h.distance }));
  }

  /** Cosine distances of the query to every indexed sample of one person (exact 'mean' aggregation). */
  distancesTo(personId: string, query: Float32Array): number[] {
    const out: number[] = [];
    for (const [label, owner] of this.labelMap) {
      if (owner !== personId) continue;
      const v = this.index.vector(label);
      if (!v) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * query[i]!;
      out.push(1 - dot);
    }
    return out;
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

  /** Save the index if it changed and stop the save timer. Idempotent; the store stays open. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    try {
      if (this.dirty) this.save();
    } finally {
      if (this.saveTimer) clearTimeout(this.saveTimer);
    }
  }
}
