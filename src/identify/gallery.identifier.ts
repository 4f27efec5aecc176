import { isPersonMatch, type PersonMatch } from '../contracts/match.js';
import type { Identifier } from '../track/identifier.js';
import type { IdentificationService } from './identification.service.js';

/** The gallery's matcher (HNSW over enrolled samples, open-set threshold) as the hub's Identifier. */
export function galleryIdentifier(matcher: Pick<IdentificationService, 'identify'>): Identifier {
  return {
    identify(embedding: Float32Array, confirmEmbedding?: Float32Array): PersonMatch | null {
      const m = matcher.identify(embedding, undefined, confirmEmbedding);
      return isPersonMatch(m) ? m : null;
    },
  };
}
