import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SightingUpdate } from '../../contracts/sighting.schema.js';
import type { SightingsRepository, Sighting } from '../../store/sightings.repository.js';
import type { CorrectionsService } from './corrections.service.js';
import type { FeedSighting } from './live-events.schema.js';

export interface SightingRecorderDeps {
  sightings: Pick<SightingsRepository, 'update' | 'get'>;
  corrections: Pick<CorrectionsService, 'addToCluster' | 'overrideOf'>;
  /** Absolute data directory (crops are stored relative to it, so erasing a person deletes them). */
  dataDir: string;
  logger: Logger;
  /** Distinguishes stranger numbers of this hub run from those of earlier runs (they restart at 1). */
  runId: string;
  onFeed: (s: FeedSighting) => void;
  /** A new track (confirmed): where alert rules are evaluated. */
  onConfirmed?: (s: Sighting, cropBase64: string | null) => void;
}

export const toFeed = (s: Sighting, status: FeedSighting['status'], crop: string | null, storedAt = Date.now()): FeedSighting => ({
  version: 1, id: s.id, status, cameraId: s.cameraId, personId: s.personId, label: s.label,
  unknownId: typeof s.metadata.unknownId === 'number' ? s.metadata.unknownId : null,
  firstSeen: s.firstSeen, lastSeen: s.lastSeen, score: s.personId ? s.maxScore : null, frames: s.frames, crop, storedAt,
});

/**
 * Called by the hub's sighting sink after each stored insert/update: keeps the best crop on disk
 * (crops/sightings/<id>.jpg), files unknown sightings under their stranger cluster, re-applies
 * dashboard corrections, and hands the sighting to the live feed and the alert rules. Never
 * throws into the pipeline.
 */
export class SightingRecorder {
  private closed = false;

  constructor(private readonly deps: SightingRecorderDeps) {}

  readonly onStored = (stored: Sighting, event: SightingUpdate): void => {
    if (this.closed) return;
    try {
      this.record(stored, event);
    } catch (e) {
      this.deps.logger.error({ sighting: stored.id, err: (e as Error).message }, 'sighting not recorded for the dashboard');
    }
  };

  private record(stored: Sighting, event: SightingUpdate): void {
    let s = stored;
    const override = this.deps.corrections.overrideOf(s.id);
    if (override && (s.personId !== override.personId || s.label !== override.label)) {
      s = this.deps.sightings.update(s.id, override) ?? s;
    }
    if (event.crop) {
      const rel = path.join('crops', 'sightings', `${s.id}.jpg`);
      const abs = path.join(this.deps.dataDir, rel);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(`${abs}.tmp`, Buffer.from(event.crop, 'base64'));
      renameSync(`${abs}.tmp`, abs);
      if (s.cropPath !== rel) s = this.deps.sightings.update(s.id, { cropPath: rel }) ?? s;
    }
    if (s.personId === null && event.unknownId !== null) this.deps.corrections.addToCluster(s.id, `${this.deps.runId}-${event.unknownId}`);
    this.deps.onFeed(toFeed(s, event.status, event.crop));
    if (event.status === 'confirmed') this.deps.onConfirmed?.(s, event.crop);
  }

  close(): void { this.closed = true; }
}
