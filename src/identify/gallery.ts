import type { GalleryConfig } from '../config/schema.js';
import type { AlertRulesRepository } from '../store/alert-rules.repository.js';
import type { AuditRepository } from '../store/audit.repository.js';
import type { CorrectionsRepository } from '../store/corrections.repository.js';
import { DataStore } from '../store/data.store.js';
import { ensureDataDir } from '../store/data-paths.js';
import type { KeysRepository } from '../store/keys.repository.js';
import type { RetentionRepository } from '../store/retention.repository.js';
import type { SightingsRepository } from '../store/sightings.repository.js';
import { EnrollmentService } from './enrollment.service.js';
import { GalleryIndex } from './gallery.index.js';
import { GalleryTransferService } from './gallery-transfer.service.js';
import type { FaceAnalyzer, GalleryLogger } from './gallery.types.js';
import { IdentificationService } from './identification.service.js';
import { PeopleService } from './people.service.js';
import { WitnessGallery } from './witness.gallery.js';
import { galleryReview, namedLookalikes, type GalleryReview, type GalleryReviewDeps } from './review.js';
import type { EvidenceRepository } from '../store/evidence.repository.js';

export type { IdentifyMatch } from '../contracts/match.js';

export interface GalleryOptions {
  /** Data directory: facestream.db, index/, crops/. */
  dataDir: string;
  engine: FaceAnalyzer;
  settings: GalleryConfig;
  logger?: GalleryLogger;
  /**
   * Save the index this long after the last change (ms); 0 = only on index.save()/close().
   * A crash before the save only costs a rebuild from the store on the next start.
   */
  saveDelayMs?: number;
}

/**
 * The gallery of one data directory, as the services that use it: people and their samples
 * (SQLite, the truth) plus an HNSW index over the samples (derived, persisted, rebuilt whenever
 * it is missing, corrupt or stale). Identification is verification against every sample:
 * nothing is ever trained, adding a person is one insert. Open one per data directory and
 * process: its services are the single writer of store and index.
 */
export interface Gallery {
  readonly dataDir: string;
  /** The HNSW index and the model-state check. */
  readonly index: GalleryIndex;
  /** People CRUD, erasure, samples, thumbnails. */
  readonly people: PeopleService;
  /** enrollPhoto, reindex. */
  readonly enrollment: EnrollmentService;
  /** identify (one embedding), identifyImage. */
  readonly matcher: IdentificationService;
  /** Export and import of the portable gallery file. */
  readonly transfer: GalleryTransferService;
  /** The rest of the data directory's database, for the hub's other parts. */
  readonly sightings: SightingsRepository;
  readonly keys: KeysRepository;
  readonly audit: AuditRepository;
  readonly alertRules: AlertRulesRepository;
  readonly corrections: CorrectionsRepository;
  readonly retention: RetentionRepository;
  /** Sighting faces and correction evidence ("not this person"). */
  readonly evidence: EvidenceRepository;
  /** Confirmer vectors, correction evidence and look-alike pairs, as the naming rule uses them. */
  readonly witnesses: WitnessGallery;
  /** The database answers (readiness). */
  ping(): boolean;
  /** Look-alike pairs of the gallery and people whose recent sightings split in two (the people page). */
  review(): GalleryReview;
  /** Look-alike pairs of the gallery, by name (the enroll summary). */
  lookalikes(): GalleryReview['lookalikes'];
  /** Changes with every sample added, removed or re-embedded. */
  revision(): number;
  /** Every sample vector of the engine's model (the vision workers' two-witness pre-filter). */
  proposerVectors(): Generator<Float32Array>;
  /** Save the index if it changed, then close the database. Idempotent; runs every step. */
  close(): void;
}

/** Open the database of `dataDir` and load (or rebuild) the index; wire the services over them. */
export function openGallery(options: GalleryOptions): Gallery {
  const { dataDir, engine, settings } = options;
  ensureDataDir(dataDir);
  const store = DataStore.open(dataDir);
  let index: GalleryIndex;
  try {
    index = GalleryIndex.open(store, { dataDir, modelId: engine.modelId, dim: engine.dim, params: settings.hnsw, logger: options.logger, saveDelayMs: options.saveDelayMs });
  } catch (e) {
    store.close();
    throw e;
  }
  const people = new PeopleService({ store, index, dataDir });
  const witnesses = new WitnessGallery({ store, index, lookalikeDistance: engine.threshold, confirmModelId: engine.confirmModelId });
  const reviewDeps: GalleryReviewDeps = {
    people: { find: (id) => people.find(id), ids: () => people.listPeople({ limit: 1_000_000 }).items.map((p) => p.id) },
    lookalikePairs: () => witnesses.lookalikePairs(),
    recentSightingVectors: (id) => store.evidence.recentSightingVectors(id, index.modelId),
    minSeparation: engine.identifyThreshold ?? engine.threshold,
  };
  let closed = false;
  return {
    dataDir, index, people, witnesses, evidence: store.evidence,
    enrollment: new EnrollmentService({ store, index, people, engine, settings, dataDir }),
    matcher: new IdentificationService({ index, people: store.people, engine, settings, witnesses }),
    transfer: new GalleryTransferService({ store, index, people, engine, dataDir }),
    sightings: store.sightings, keys: store.keys, audit: store.audit,
    alertRules: store.alertRules, corrections: store.corrections, retention: store.retention,
    ping: () => store.ping(),
    revision: () => store.revision,
    review: () => galleryReview(reviewDeps),
    lookalikes: () => namedLookalikes(reviewDeps),
    *proposerVectors() { for (const s of store.samples.iterate()) if (s.modelId === index.modelId) yield s.embedding; },
    close() {
      if (closed) return;
      closed = true;
      const errors: unknown[] = [];
      try { index.close(); } catch (e) { errors.push(e); }
      try { store.close(); } catch (e) { errors.push(e); }
      if (errors.length) throw new AggregateError(errors, 'Gallery.close: some steps failed');
    },
  };
}
