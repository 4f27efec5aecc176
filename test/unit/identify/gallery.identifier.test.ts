import { describe, expect, it } from 'vitest';
import type { IdentifyMatch } from '../../../src/contracts/match.js';
import { galleryIdentifier } from '../../../src/identify/gallery.identifier.js';

const verdict = (personId: string | null, reason: string): IdentifyMatch => ({
  personId, name: personId ? 'Kim' : null, distance: 0.04, score: 0.96, ambiguous: false, threshold: 0.0598, reason, confirm: null, candidates: [],
});
const identifierAnswering = (m: IdentifyMatch) => galleryIdentifier({ identify: () => m });
const e = Float32Array.from([1, 0]);

describe('galleryIdentifier', () => {
  it('a named verdict is a match; any other is unknown (null)', () => {
    expect(identifierAnswering(verdict('p-kim', 'named')).identify(e, e)).toMatchObject({ personId: 'p-kim' });
    for (const reason of ['over-threshold', 'margin', 'lookalike', 'correction', 'unconfirmed', 'disagree']) {
      expect(identifierAnswering(verdict(null, reason)).identify(e, e)).toBeNull();
    }
  });

  it('confirmSkipped: the proposer named someone and the confirmer was not run -> no verdict (undefined), not unknown', () => {
    expect(identifierAnswering(verdict(null, 'unconfirmed')).identify(e, undefined, true)).toBeUndefined();
    // without the marker a missing confirmation is an unknown vote, as before
    expect(identifierAnswering(verdict(null, 'unconfirmed')).identify(e, undefined, false)).toBeNull();
    // the proposer's own rule said no: unknown, skipped or not
    for (const reason of ['over-threshold', 'margin', 'lookalike', 'correction']) {
      expect(identifierAnswering(verdict(null, reason)).identify(e, undefined, true)).toBeNull();
    }
  });
});
