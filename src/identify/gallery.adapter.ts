import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SightingUpdate } from '../contracts/sighting.schema.js';
import type { IdentificationService } from './identification.service.js';
import type { Sighting as StoredSighting } from '../contracts/sighting.schema.js';
import { resolveInDataDir, SIGHTING_CROPS_DIR } from '../store/data-paths.js';
import type { SightingsRepository } from '../store/sightings.repository.js';
import { isPersonMatch, type PersonMatch } from '../contracts/match.js';
import type { Identifier, SightingSink } from '../track/identifier.js';

/** The gallery's matcher (HNSW over enrolled samples, open-set threshold) as the hub's Identifier. */
export function galleryIdentifier(matcher: Pick<IdentificationService, 'identify'>): Identifier {
  return {
    identify(embedding: Float32Array): PersonMatch | null {
      const m = matcher.identify(embedding);
      return isPersonMatch(m) ? m : null;
    },
  };
}

/**
 * Sightings into the SQLite store: inserted when confirmed, updated when closed. The store's
 * numeric id is remembered per pipeline sighting id (one hub = one writer). With a dataDir the
 * track's best crop is written to <dataDir>/crops/sightings/<id>.jpg (atomic rename) and its
 * relative path stored, so erasing a person deletes their crops with them.
 */
export function storeSightingSink(
  repo: Pick<SightingsRepository, 'add' | 'update'>,
  /** Called after each insert/update with the stored row (the dashboard: crops, live feed, alerts). */
  onStored?: (stored: StoredSighting, event: SightingUpdate) => void,
  options: { dataDir?: string } = {},
): SightingSink {
  const ids = new Map<string, number>();
  const iso = (ms: number) => new Date(ms).toISOString();
  const row = (s: SightingUpdate) => ({
    cameraId: s.cameraId, personId: s.personId, label: s.label, firstSeen: iso(s.firstSeen), lastSeen: iso(s.lastSeen),
    maxScore: s.maxScore ?? 0, meanScore: s.meanScore ?? 0, frames: s.frames, trackId: s.trackId,
    bestDistance: s.maxScore === null ? null : 1 - s.maxScore,
  });
  const withCrop = (stored: StoredSighting, s: SightingUpdate): StoredSighting => {
    if (!options.dataDir || !s.crop) return stored;
    const rel = path.join(SIGHTING_CROPS_DIR, `${stored.id}.jpg`);
    const abs = resolveInDataDir(options.dataDir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(`${abs}.tmp`, Buffer.from(s.crop, 'base64'));
    renameSync(`${abs}.tmp`, abs);
    return stored.cropPath === rel ? stored : repo.update(stored.id, { cropPath: rel }) ?? stored;
  };
  return {
    save(s) {
      const stored = withCrop(repo.add({ ...row(s), metadata: { unknownId: s.unknownId, sightingId: s.id } }), s);
      ids.set(s.id, stored.id);
      onStored?.(stored, s);
    },
    update(s) {
      const id = ids.get(s.id);
      const { cameraId: _c, firstSeen: _f, trackId: _t, ...patch } = row(s);
      let stored: StoredSighting | undefined;
      if (id === undefined) { stored = repo.add({ ...row(s), metadata: { unknownId: s.unknownId, sightingId: s.id } }); ids.set(s.id, stored.id); }
      else stored = repo.update(id, patch);
      if (s.status === 'closed') ids.delete(s.id);
      if (stored) stored = withCrop(stored, s);
      if (stored) onStored?.(stored, s);
    },
  };
}
