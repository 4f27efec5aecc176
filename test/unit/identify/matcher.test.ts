import { describe, expect, it } from 'vitest';
import { matchPeople } from '../../../src/identify/matcher.js';

const opts = { threshold: 0.08, aggregation: 'best' as const, ambiguityMargin: 0.01 };

describe('matchPeople', () => {
  it('names the nearest person within the threshold', () => {
    const r = matchPeople([{ personId: 'a', distance: 0.03 }, { personId: 'b', distance: 0.06 }, { personId: 'a', distance: 0.05 }], opts);
    expect(r).toMatchObject({ personId: 'a', distance: 0.03, ambiguous: false });
    expect(r.candidates).toEqual([{ personId: 'a', distance: 0.03, samples: 2 }, { personId: 'b', distance: 0.06, samples: 1 }]);
  });

  it('says unknown above the threshold (open set) and on an empty gallery', () => {
    expect(matchPeople([{ personId: 'a', distance: 0.0801 }], opts)).toMatchObject({ personId: null, distance: 0.0801, ambiguous: false });
    expect(matchPeople([], opts)).toEqual({ personId: null, distance: null, ambiguous: false, candidates: [] });
    expect(matchPeople([{ personId: 'a', distance: 0.08 }], opts).personId).toBe('a');
  });

  it('flags ambiguity when the two best people are closer than the margin', () => {
    const r = matchPeople([{ personId: 'a', distance: 0.050 }, { personId: 'b', distance: 0.055 }], opts);
    expect(r).toMatchObject({ personId: 'a', ambiguous: true });
    expect(matchPeople([{ personId: 'a', distance: 0.050 }, { personId: 'b', distance: 0.061 }], opts).ambiguous).toBe(false);
    // several samples of ONE person are never ambiguous with each other
    expect(matchPeople([{ personId: 'a', distance: 0.050 }, { personId: 'a', distance: 0.051 }], opts).ambiguous).toBe(false);
  });

  it('mean aggregation uses all of a person\'s samples when given', () => {
    const hits = [{ personId: 'a', distance: 0.02 }, { personId: 'b', distance: 0.04 }];
    const all: Record<string, number[]> = { a: [0.02, 0.2], b: [0.04, 0.05] };
    const mean = matchPeople(hits, { ...opts, aggregation: 'mean' }, (id) => all[id]!);
    expect(mean.personId).toBe('b');
    expect(mean.candidates[0]!.distance).toBeCloseTo(0.045);
    expect(mean.candidates[1]).toMatchObject({ personId: 'a', samples: 2 });
    expect(matchPeople(hits, opts, (id) => all[id]!).personId).toBe('a');
  });
});
