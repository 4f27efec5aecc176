import type { PersonMatch } from '../contracts/match.js';
import type { SightingUpdate } from '../contracts/sighting.schema.js';


/**
 * A face the proposer names whose confirmation was skipped on purpose (`confirmSkipped`): no
 * verdict. It votes neither for that person nor as unknown; the person only lets the tracker keep
 * showing a name the face's track already earned.
 */
export interface Unconfirmed { unconfirmed: true; personId: string; name: string }

/** Who is this face? null = unknown (no person within the open-set threshold). */
export interface Identifier {
  /** `confirmEmbedding`: the confirming model's embedding of the same face (two witnesses). */
  identify(embedding: Float32Array, confirmEmbedding?: Float32Array, confirmSkipped?: boolean): Promise<PersonMatch | Unconfirmed | null> | PersonMatch | Unconfirmed | null;
}

export const isUnconfirmed = (m: PersonMatch | Unconfirmed | null | undefined): m is Unconfirmed => m != null && 'unconfirmed' in m;

/** Where sightings go (the SQLite store): save when confirmed, update when the track closes. */
export interface SightingSink {
  save(sighting: SightingUpdate): Promise<void> | void;
  update(sighting: SightingUpdate): Promise<void> | void;
}
