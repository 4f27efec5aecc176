import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { CameraStatus } from '../contracts/camera.schema.js';
import type { Sighting, SightingUpdate } from '../contracts/sighting.schema.js';
import type { SightingSink } from './identifier.js';

/** What every subscriber (live gateway, alerts, webhooks, MQTT ...) gets; none writes the sighting. */
export interface StoredSightingEvent {
  sighting: Sighting;
  /** The track's best crop (JPEG, base64), as stored under crops/sightings/. */
  crop: string | null;
}

export interface SightingServiceEvents {
  /** A new track reached minFrames: stored for the first time. */
  'sighting.confirmed': [StoredSightingEvent];
  /** The track ended: the row holds its final state. */
  'sighting.closed': [StoredSightingEvent];
  /** A person corrected the sighting's identity (dashboard, API). */
  'sighting.relabelled': [Sighting];
  /** A camera's state changed (from the ingest, through Redis). */
  'camera.status': [CameraStatus];
}

/** The sighting rows (SQLite store). */
export interface SightingRows {
  add(s: Omit<Sighting, 'id' | 'metadata' | 'bestDistance' | 'trackId' | 'cropPath'> & Partial<Pick<Sighting, 'metadata' | 'bestDistance' | 'trackId' | 'cropPath'>>): Sighting;
  update(id: number, patch: Partial<Omit<Sighting, 'id'>>): Sighting | undefined;
  get(id: number): Sighting | undefined;
}

/** Stranger clusters: unknown sightings of one stranger, named or ignored later on the dashboard. */
export interface UnknownClusters {
  addToCluster(sightingId: number, clusterKey: string): void;
}

/** Where the best crop of a sighting is kept, relative to the data directory. */
export interface CropFiles {
  /** Write atomically (no half-written file is ever served); returns the data-relative path. */
  writeSightingCrop(sightingId: number, jpeg: Buffer): string;
}

/** Where a sighting's best embedded faces are kept (for corrections). */
export interface SightingFacesStore {
  setSightingFaces(sightingId: number, faces: readonly { modelId: string; embedding: Float32Array; confirm?: { modelId: string; embedding: Float32Array } | undefined; namedPersonId: string | null; quality: number }[]): void;
}

export interface SightingServiceDeps {
  rows: SightingRows;
  /** Keeps the embeddings of each sighting's best faces, under `faceModels`. */
  faces?: { store: SightingFacesStore; modelId: string; confirmModelId?: string | undefined };
  clusters?: UnknownClusters;
  crops: CropFiles;
  logger: Pick<Logger, 'error'>;
  /** Distinguishes stranger numbers of this hub run from those of earlier runs (they restart at 1). */
  runId: string;
}

/**
 * The one owner of a sighting, in the hub role: the tracker's updates arrive here (it is the
 * hub's SightingSink); each is written once (row on confirm, final state on close, the best
 * crop file, the stranger cluster of an unknown) and then announced as a typed event. Dashboard,
 * alerts and webhooks subscribe; none of them writes the sighting again, and none is needed for
 * the sighting to be stored. Corrections go through relabel(), which later updates of a still
 * open track never undo. Never throws into the pipeline: a failed write is logged.
 */
export class SightingService extends EventEmitter<SightingServiceEvents> implements SightingSink {
  /** Pipeline sighting id -> store row id, while the track is open (one hub = one writer). */
  private readonly rowIds = new Map<string, number>();
  private readonly overrides = new Map<number, { personId: string | null; label: string }>();

  constructor(private readonly deps: SightingServiceDeps) {
    super();
  }

  save(update: SightingUpdate): void { this.record(update); }
  update(update: SightingUpdate): void { this.record(update); }

  /** Correct a sighting's identity: stored, remembered against later track updates, announced. */
  relabel(sightingId: number, identity: { personId: string | null; label: string }): Sighting | undefined {
    const updated = this.deps.rows.update(sightingId, identity);
    if (!updated) return undefined;
    this.remember(sightingId, identity);
    this.announce('sighting.relabelled', updated);
    return updated;
  }

  /** Re-announce a sighting changed elsewhere in the same transaction as other work (e.g. a cluster named). */
  announceRelabelled(sighting: Sighting, identity: { personId: string | null; label: string }): void {
    this.remember(sighting.id, identity);
    this.announce('sighting.relabelled', sighting);
  }

  /** A correction of a still-open track must survive its later updates; a closed one gets none. */
  private remember(rowId: number, identity: { personId: string | null; label: string }): void {
    for (const id of this.rowIds.values()) if (id === rowId) { this.overrides.set(rowId, identity); return; }
  }

  /** Every subscriber gets the event, whatever another one throws; nothing reaches the caller. */
  private announce<K extends keyof SightingServiceEvents>(event: K, ...args: SightingServiceEvents[K]): void {
    for (const listener of this.listeners(event) as ((...a: SightingServiceEvents[K]) => void)[]) {
      try {
        listener(...args);
      } catch (e) {
        this.deps.logger.error({ event, err: (e as Error).message }, 'a sighting subscriber failed');
      }
    }
  }

  /** Forward a camera status source (the ingest's, via Redis) as `camera.status` events. */
  forwardCameraStatus(source: { on(e: 'status', l: (s: CameraStatus) => void): unknown }): void {
    source.on('status', (s) => this.announce('camera.status', s));
  }

  private record(update: SightingUpdate): void {
    let stored: Sighting | undefined;
    try {
      stored = this.write(update);
    } catch (e) {
      this.deps.logger.error({ sighting: update.id, err: (e as Error).message }, 'sighting not stored');
      return;
    }
    if (!stored) return;
    this.announce(update.status === 'confirmed' ? 'sighting.confirmed' : 'sighting.closed', { sighting: stored, crop: update.crop });
  }

  private write(update: SightingUpdate): Sighting | undefined {
    const iso = (ms: number) => new Date(ms).toISOString();
    const state = {
      personId: update.personId, label: update.label, lastSeen: iso(update.lastSeen),
      maxScore: update.maxScore ?? 0, meanScore: update.meanScore ?? 0, frames: update.frames,
      bestDistance: update.maxScore === null ? null : 1 - update.maxScore,
    };
    const known = this.rowIds.get(update.id);
    if (update.status === 'closed') this.rowIds.delete(update.id);
    let row = known === undefined
      ? this.deps.rows.add({ ...state, cameraId: update.cameraId, firstSeen: iso(update.firstSeen), trackId: update.trackId, metadata: { unknownId: update.unknownId, sightingId: update.id } })
      : this.deps.rows.update(known, state);
    if (!row) return undefined;
    if (update.status !== 'closed') this.rowIds.set(update.id, row.id);

    const patch: Partial<Sighting> = {};
    const override = this.overrides.get(row.id);
    if (override && (row.personId !== override.personId || row.label !== override.label)) Object.assign(patch, override);
    if (update.crop) {
      const rel = this.deps.crops.writeSightingCrop(row.id, Buffer.from(update.crop, 'base64'));
      if (row.cropPath !== rel) patch.cropPath = rel;
    }
    if (Object.keys(patch).length) row = this.deps.rows.update(row.id, patch) ?? row;
    if (update.faces?.length && this.deps.faces) {
      const { store, modelId, confirmModelId } = this.deps.faces;
      store.setSightingFaces(row.id, update.faces.map((f) => ({
        modelId, embedding: Float32Array.from(f.embedding), namedPersonId: f.personId, quality: f.quality,
        confirm: f.confirmEmbedding && confirmModelId ? { modelId: confirmModelId, embedding: Float32Array.from(f.confirmEmbedding) } : undefined,
      })));
    }
    if (row.personId === null && update.unknownId !== null) {
      this.deps.clusters?.addToCluster(row.id, `${this.deps.runId}-${update.unknownId}`);
    }
    if (update.status === 'closed') this.overrides.delete(row.id);
    return row;
  }
}
