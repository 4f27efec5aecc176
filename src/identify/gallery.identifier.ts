import { isPersonMatch, type PersonMatch } from '../contracts/match.js';
import type { Identifier } from '../track/identifier.js';
import type { IdentificationService } from './identification.service.js';

/** The gallery's matcher (HNSW over enrolled samples, open-set threshold) as the hub's Identifier. */
export function galleryIdentifier(matcher: Pick<IdentificationService, 'identify'>): Identifier {
  return {
    identify(embedding: Float32Array, confirmEmbedding?: Float32Array, confirmSkipped = false): PersonMatch | null | undefined {
      const m = matcher.identify(embedding, undefined, confirmEmbedding);
      // the proposer named someone, and the confirmer was left out on purpose: no verdict, not unknown
      if (confirmSkipped && !confirmEmbedding && m.reason === 'unconfirmed') return undefined;
      return isPersonMatch(m) ? m : null;
    },
  };
}
