import type { Sighting } from '../contracts/sighting.schema.js';
import type { Gallery } from '../identify/gallery.js';
import type { SightingsRepository } from '../store/sightings.repository.js';
import type { Identifier, IdentifyMatch, SightingSink } from '../track/identifier.js';

/** The gallery (HNSW over enrolled samples, open-set threshold) as the hub's Identifier. */
export function galleryIdentifier(gallery: Pick<Gallery, 'identify'>): Identifier {
  return {
    identify(embedding: Float32Array): IdentifyMatch | null {
      const m = gallery.identify(embedding);
      if (!m.personId || m.distance === null) return null;
      return { personId: m.personId, name: m.name ?? m.personId, distance: m.distance, ambiguous: m.ambiguous };
    },
  };
}

/**
 * Sightings into the SQLite store: inserted when confirmed, updated when closed. The store's
 * numeric id is remembered per pipeline sighting id (one hub = one writer). Crops stay in the
 * event (base64); writing them under data/crops is left to the store's owner.
 */
export function storeSightingSink(repo: Pick<SightingsRepository, 'add' | 'update'>): SightingSink {
  const ids = new Map<string, number>();
  const iso = (ms: number) => new Date(ms).toISOString();
  const row = (s: Sighting) => ({
    cameraId: s.cameraId, personId: s.personId, label: s.label, firstSeen: iso(s.firstSeen), lastSeen: iso(s.lastSeen),
    maxScore: s.maxScore ?? 0, meanScore: s.meanScore ?? 0, frames: s.frames, trackId: s.trackId,
    bestDistance: s.maxScore === null ? null : 1 - s.maxScore,
  });
  return {
    save(s) { ids.set(s.id, repo.add({ ...row(s), metadata: { unknownId: s.unknownId, sightingId: s.id } }).id); },
    update(s) {
      const id = ids.get(s.id);
      const { cameraId: _c, firstSeen: _f, trackId: _t, ...patch } = row(s);
      if (id === undefined) ids.set(s.id, repo.add({ ...row(s), metadata: { unknownId: s.unknownId, sightingId: s.id } }).id);
      else repo.update(id, patch);
      if (s.status === 'closed') ids.delete(s.id);
    },
  };
}
