import { describe, expect, it } from 'vitest';
import { calibrateOpenSet, decide, openSetRates, type OpenSetProbe } from '../../../src/evaluation/open-set.calibration.js';
import { matchPeople } from '../../../src/identify/matcher.js';

const probe = (person: string, enrolled: boolean, ...ranked: [string, number][]): OpenSetProbe =>
  ({ person, enrolled, ranked: ranked.map(([p, distance]) => ({ person: p, distance })) });

describe('open-set identification decision', () => {
  it('names the nearest person only within the threshold and with the margin over the runner-up', () => {
    expect(decide([{ person: 'a', distance: 0.05 }, { person: 'b', distance: 0.2 }], { threshold: 0.08, minMargin: 0.02 })).toBe('a');
    expect(decide([{ person: 'a', distance: 0.09 }], { threshold: 0.08, minMargin: 0 })).toBeNull();
    // a relative almost as close: no name
    expect(decide([{ person: 'a', distance: 0.05 }, { person: 'b', distance: 0.06 }], { threshold: 0.08, minMargin: 0.02 })).toBeNull();
    expect(decide([], { threshold: 1, minMargin: 0 })).toBeNull();
  });

  it('counts strangers named (FPIR), enrolled people missed or misnamed (FNIR) and wrong names', () => {
    const probes = [
      probe('a', true, ['a', 0.03], ['b', 0.2]), // named right
      probe('b', true, ['a', 0.04], ['b', 0.05]), // a look-alike first: with margin 0 a wrong name
      probe('s1', false, ['a', 0.06], ['b', 0.3]), // stranger close to a
      probe('s2', false, ['b', 0.3]),
    ];
    expect(openSetRates(probes, { threshold: 0.08, minMargin: 0 })).toMatchObject({ fpir: 0.5, fnir: 0.5, wrongName: 0.5, strangers: 2, mated: 2 });
    // the margin removes the wrong name; the threshold removes the stranger
    expect(openSetRates(probes, { threshold: 0.05, minMargin: 0.02 })).toMatchObject({ fpir: 0, fnir: 0.5, wrongName: 0 });
  });

  it('calibration keeps FPIR at the target and picks the fewest misses among those decisions', () => {
    const probes: OpenSetProbe[] = [];
    for (let i = 0; i < 20; i++) probes.push(probe(`p${i}`, true, [`p${i}`, 0.02 + i * 0.003], [`q${i}`, 0.2]));
    for (let i = 0; i < 100; i++) probes.push(probe(`s${i}`, false, [`p${i % 20}`, 0.05 + i * 0.002], [`q${i}`, 0.3]));
    const c = calibrateOpenSet(probes, 0.01);
    expect(c.fpir).toBeLessThanOrEqual(0.01);
    // strangers start at 0.05: the best threshold lets exactly one through and names every enrolled probe below it
    expect(c.threshold).toBeGreaterThan(0.05);
    expect(c.threshold).toBeLessThan(0.052);
    expect(c.fnir).toBeCloseTo(1 - 11 / 20, 5);
    const strict = calibrateOpenSet(probes, 0);
    expect(strict.fpir).toBe(0);
    expect(strict.threshold).toBeLessThan(0.05);
  });
});

describe('matchPeople minMargin', () => {
  const hits = [{ personId: 'eddie', distance: 0.05 }, { personId: 'mother', distance: 0.06 }];
  it('a runner-up within minMargin leaves the face unknown and ambiguous; a clear winner is named', () => {
    const opts = { threshold: 0.09, aggregation: 'best' as const, ambiguityMargin: 0.02, minMargin: 0.02 };
    expect(matchPeople(hits, opts)).toMatchObject({ personId: null, ambiguous: true, distance: 0.05 });
    expect(matchPeople([hits[0]!, { personId: 'mother', distance: 0.09 }], opts)).toMatchObject({ personId: 'eddie', ambiguous: false });
    // without a margin the nearest is named (flagged ambiguous), as before
    expect(matchPeople(hits, { ...opts, minMargin: 0 })).toMatchObject({ personId: 'eddie', ambiguous: true });
  });
});
