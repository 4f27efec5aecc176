import type { Sighting } from '../contracts/sighting.schema.js';

/** A gallery match for one embedding. */
export interface IdentifyMatch {
  personId: string;
  name: string;
  /** Cosine distance to the person. */
  distance: number;
  /** The second-best person was almost as close. */
  ambiguous: boolean;
}

/** Who is this face? null = unknown (no person within the open-set threshold). */
export interface Identifier {
  identify(embedding: Float32Array): Promise<IdentifyMatch | null> | IdentifyMatch | null;
}

/** Where sightings go (the SQLite store): save when confirmed, update when the track closes. */
export interface SightingSink {
  save(sighting: Sighting): Promise<void> | void;
  update(sighting: Sighting): Promise<void> | void;
}
