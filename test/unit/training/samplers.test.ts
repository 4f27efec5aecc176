import { describe, expect, it } from 'vitest';
import { IdentityBatchSampler, PairSampler, assertDisjoint, seededRandom, splitIdentities } from '../../../src/training/samplers.js';

/** 20 identities: id0..id14 have 3 images, id15..id19 a single one; indices are global. */
function dataset() {
  const m = new Map<string, number[]>();
  let k = 0;
  for (let i = 0; i < 20; i++) m.set(`id${i}`, Array.from({ length: i < 15 ? 3 : 1 }, () => k++));
  return m;
}
const owner = (m: Map<string, number[]>) => new Map([...m].flatMap(([id, idx]) => idx.map((i) => [i, id] as const)));

describe('samplers', () => {
  it('splits identities, never images, and keeps single-image people in train', () => {
    const m = dataset();
    const { train, val } = splitIdentities(m, 0.2, 3);
    expect(val.size).toBe(3); // 20 % of the 15 multi-image identities
    expect([...val.keys()].some((k) => train.has(k))).toBe(false);
    expect(train.size + val.size).toBe(20);
    for (const id of ['id15', 'id19']) expect(train.has(id)).toBe(true);
  });

  it('pair sampler: balanced, genuine pairs share an identity, impostors do not, distinct images', () => {
    const m = dataset(), who = owner(m);
    const pairs = new PairSampler(m, seededRandom(1)).sample(400);
    expect(pairs.filter((p) => p.same)).toHaveLength(200);
    for (const p of pairs) {
      expect(p.a).not.toBe(p.b);
      expect(who.get(p.a) === who.get(p.b)).toBe(p.same);
    }
  });

  it('never samples an identity outside its set and refuses leaked test identities', () => {
    const m = dataset(), who = owner(m);
    const { train, val } = splitIdentities(m, 0.2, 5);
    const pairs = new PairSampler(train, seededRandom(2), val.keys()).sample(1000);
    const batches = new IdentityBatchSampler(train, seededRandom(3), val.keys());
    const used = new Set([...pairs.flatMap((p) => [who.get(p.a)!, who.get(p.b)!]), ...Array.from({ length: 50 }, () => batches.sample(4, 2)).flatMap((b) => b.indices.map((i) => who.get(i)!))]);
    for (const id of val.keys()) expect(used.has(id)).toBe(false);
    expect(() => new PairSampler(m, seededRandom(1), ['id3'])).toThrow(/leak/);
    expect(() => new IdentityBatchSampler(m, seededRandom(1), ['id3'])).toThrow(/leak/);
    expect(() => assertDisjoint(['a', 'b'], ['c'], 'x')).not.toThrow();
  });

  it('identity batches: P identities x K images, labels per identity', () => {
    const m = dataset(), who = owner(m);
    const b = new IdentityBatchSampler(m, seededRandom(4)).sample(5, 2);
    expect(b.indices).toHaveLength(10);
    expect(new Set(b.labels).size).toBe(5);
    b.indices.forEach((i, k) => b.indices.forEach((j, l) => { if (b.labels[k] === b.labels[l]) expect(who.get(i)).toBe(who.get(j)); }));
  });
});
