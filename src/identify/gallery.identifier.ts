import { isPersonMatch, type PersonMatch } from '../contracts/match.js';
import type { Identifier, Unconfirmed } from '../track/identifier.js';
import type { IdentificationService } from './identification.service.js';

/** The gallery's matcher (HNSW over enrolled samples, open-set threshold) as the hub's Identifier. */
export function galleryIdentifier(matcher: Pick<IdentificationService, 'identify'>): Identifier {
  return {
    identify(embedding: Float32Array, confirmEmbedding?: Float32Array, confirmSkipped = false): PersonMatch | Unconfirmed | null {
      const m = matcher.identify(embedding, undefined, confirmEmbedding);
      // the proposer named its nearest candidate, and the confirmer was left out on purpose: no verdict, not unknown
      const proposed = m.candidates[0];
      if (confirmSkipped && !confirmEmbedding && m.reason === 'unconfirmed' && proposed) return { unconfirmed: true, personId: proposed.personId, name: proposed.name };
      return isPersonMatch(m) ? m : null;
    },
  };
}
