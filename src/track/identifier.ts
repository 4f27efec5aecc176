import type { PersonMatch } from '../contracts/match.js';
import type { SightingUpdate } from '../contracts/sighting.schema.js';


/**
 * Who is this face? null = unknown (no person within the open-set threshold); undefined = no
 * verdict (`confirmSkipped`: the proposer names someone and the confirmer was not run on this
 * face, so it votes neither for that person nor as unknown).
 */
export interface Identifier {
  /** `confirmEmbedding`: the confirming model's embedding of the same face (two witnesses). */
  identify(embedding: Float32Array, confirmEmbedding?: Float32Array, confirmSkipped?: boolean): Promise<PersonMatch | null | undefined> | PersonMatch | null | undefined;
}

/** Where sightings go (the SQLite store): save when confirmed, update when the track closes. */
export interface SightingSink {
  save(sighting: SightingUpdate): Promise<void> | void;
  update(sighting: SightingUpdate): Promise<void> | void;
}
