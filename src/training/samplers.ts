import { seededRandom } from '../common/random.js';
import { FaceStreamError } from '../errors/index.js';

/** Deterministic PRNG (mulberry32), shared with the rest of the code base. */
export { seededRandom };

export function shuffle<T>(xs: readonly T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Samples of one identity set: identity name -> indices into the embedding matrix. */
export type IdentityIndex = ReadonlyMap<string, readonly number[]>;

/**
 * Split identities (never images) into train and validation, so validation people are unseen.
 * Identities with a single image are kept in train (they still serve as negatives there).
 */
export function splitIdentities(byIdentity: IdentityIndex, valFraction: number, seed: number): { train: Map<string, number[]>; val: Map<string, number[]> } {
  const rand = seededRandom(seed);
  const multi = shuffle([...byIdentity.keys()].filter((k) => byIdentity.get(k)!.length >= 2).sort(), rand);
  const nVal = Math.round(multi.length * valFraction);
  const valSet = new Set(multi.slice(0, nVal));
  const train = new Map<string, number[]>(), val = new Map<string, number[]>();
  for (const [k, v] of byIdentity) (valSet.has(k) ? val : train).set(k, [...v]);
  return { train, val };
}

/** Throw if any identity appears in both sets (the guard every sampler runs). */
export function assertDisjoint(a: Iterable<string>, b: Iterable<string>, what: string): void {
  const bs = new Set(b);
  const shared = [...a].filter((x) => bs.has(x));
  if (shared.length) throw new FaceStreamError('E_USAGE', `${what}: ${shared.length} identities leak between sets (e.g. ${shared.slice(0, 3).join(', ')})`);
}

export interface Pair { a: number; b: number; same: boolean }

/**
 * Balanced pairs: half genuine (two images of one identity), half impostor (two identities).
 * Only the identities given are ever used; `exclude` (test people) is checked to be disjoint.
 */
export class PairSampler {
  private readonly names: string[];
  private readonly multi: string[];

  constructor(private readonly byIdentity: IdentityIndex, private readonly rand: () => number, exclude: Iterable<string> = []) {
    assertDisjoint(byIdentity.keys(), exclude, 'PairSampler');
    this.names = [...byIdentity.keys()].filter((k) => byIdentity.get(k)!.length > 0);
    this.multi = this.names.filter((k) => byIdentity.get(k)!.length >= 2);
    if (this.multi.length === 0 || this.names.length < 2) throw new FaceStreamError('E_USAGE', 'PairSampler: need an identity with 2+ images and 2+ identities');
  }

  private pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rand() * xs.length)]!; }

  /** `n` pairs, genuine and impostor alternating (n/2 each, rounded up for genuine). */
  sample(n: number): Pair[] {
    const out: Pair[] = [];
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) {
        const idx = this.byIdentity.get(this.pick(this.multi))!;
        const a = Math.floor(this.rand() * idx.length);
        let b = Math.floor(this.rand() * (idx.length - 1));
        if (b >= a) b++;
        out.push({ a: idx[a]!, b: idx[b]!, same: true });
      } else {
        const x = this.pick(this.names);
        let y = this.pick(this.names);
        while (y === x) y = this.pick(this.names);
        out.push({ a: this.pick(this.byIdentity.get(x)!), b: this.pick(this.byIdentity.get(y)!), same: false });
      }
    }
    return out;
  }
}

/**
 * P identities x K images per batch (the batch shape batch-hard/semi-hard mining needs: every
 * anchor has positives and negatives in its batch). Identities with one image are skipped.
 */
export class IdentityBatchSampler {
  private readonly multi: string[];

  constructor(private readonly byIdentity: IdentityIndex, private readonly rand: () => number, exclude: Iterable<string> = []) {
    assertDisjoint(byIdentity.keys(), exclude, 'IdentityBatchSampler');
    this.multi = [...byIdentity.keys()].filter((k) => byIdentity.get(k)!.length >= 2);
    if (this.multi.length < 2) throw new FaceStreamError('E_USAGE', 'IdentityBatchSampler: need 2+ identities with 2+ images');
  }

  /** Indices and integer labels (0..P-1) of one batch. */
  sample(p: number, k: number): { indices: number[]; labels: number[] } {
    const ids = shuffle(this.multi, this.rand).slice(0, Math.min(p, this.multi.length));
    const indices: number[] = [], labels: number[] = [];
    ids.forEach((id, label) => {
      const pool = shuffle(this.byIdentity.get(id)!, this.rand).slice(0, k);
      for (const i of pool) { indices.push(i); labels.push(label); }
    });
    return { indices, labels };
  }
}
