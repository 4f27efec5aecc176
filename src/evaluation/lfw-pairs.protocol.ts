import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaceStreamError } from '../errors/index.js';

/** One LFW pair: two image references and whether they show the same person. */
export interface LfwPair {
  a: LfwImageRef;
  b: LfwImageRef;
  same: boolean;
  /** 0-based fold index (0 when the file has no folds). */
  fold: number;
  /** 1-based line number in the pairs file (for reports of failing pairs). */
  line: number;
}

export interface LfwImageRef { name: string; index: number }

export interface LfwPairsFile {
  pairs: LfwPair[];
  /** Number of folds declared by the header (1 for a plain `N` header). */
  folds: number;
}

/** `DIR/Name/Name_000i.jpg`: LFW's file layout, 4-digit zero padded image number. */
export const lfwImagePath = (imagesDir: string, ref: LfwImageRef): string =>
  join(imagesDir, ref.name, `${ref.name}_${String(ref.index).padStart(4, '0')}.jpg`);

export const lfwImageKey = (ref: LfwImageRef): string => `${ref.name}/${ref.index}`;

/**
 * Parse the standard LFW pairs format. Header: `N` (N genuine then N impostor pairs) or
 * `folds<TAB>n` (each fold: n genuine then n impostor pairs). Genuine line `Name i j`,
 * impostor line `A i B j`; any whitespace separates fields.
 */
export function parseLfwPairs(text: string, origin = 'pairs file'): LfwPairsFile {
  const lines = text.split(/\r?\n/).map((l, i) => ({ fields: l.trim().split(/\s+/).filter(Boolean), line: i + 1 })).filter((l) => l.fields.length > 0);
  const header = lines.shift();
  if (!header) throw new FaceStreamError('E_USAGE', `${origin}: empty`);
  const ints = header.fields.map(Number);
  if (!ints.every((n) => Number.isInteger(n) && n > 0) || ints.length > 2) {
    throw new FaceStreamError('E_USAGE', `${origin}: line 1 must be "N" or "folds<TAB>n", got "${header.fields.join(' ')}"`);
  }
  const [folds, perSide] = ints.length === 2 ? [ints[0]!, ints[1]!] : [1, ints[0]!];
  const expected = folds * perSide * 2;
  if (lines.length !== expected) {
    throw new FaceStreamError('E_USAGE', `${origin}: header announces ${expected} pairs (${folds} fold(s) x ${perSide} x 2) but the file has ${lines.length}`);
  }
  const index = (s: string, line: number): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new FaceStreamError('E_USAGE', `${origin}:${line}: image number "${s}" is not a positive integer`);
    return n;
  };
  const pairs = lines.map(({ fields, line }, k): LfwPair => {
    const fold = Math.floor(k / (2 * perSide));
    const shouldBeSame = k % (2 * perSide) < perSide;
    let pair: LfwPair;
    if (fields.length === 3) {
      pair = { a: { name: fields[0]!, index: index(fields[1]!, line) }, b: { name: fields[0]!, index: index(fields[2]!, line) }, same: true, fold, line };
    } else if (fields.length === 4) {
      pair = { a: { name: fields[0]!, index: index(fields[1]!, line) }, b: { name: fields[2]!, index: index(fields[3]!, line) }, same: false, fold, line };
    } else {
      throw new FaceStreamError('E_USAGE', `${origin}:${line}: expected "Name i j" or "A i B j", got ${fields.length} fields`);
    }
    if (pair.same !== shouldBeSame) {
      throw new FaceStreamError('E_USAGE', `${origin}:${line}: expected a ${shouldBeSame ? 'genuine' : 'impostor'} pair here (each fold lists ${perSide} genuine, then ${perSide} impostor pairs)`);
    }
    return pair;
  });
  return { pairs, folds };
}

export function readLfwPairs(path: string): LfwPairsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FaceStreamError('E_FILE_NOT_FOUND', `${path}: cannot read pairs file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseLfwPairs(text, path);
}

/** Every person named in a pairs file (training identities must be restricted to these). */
export const peopleOf = (file: LfwPairsFile): Set<string> =>
  new Set(file.pairs.flatMap((p) => [p.a.name, p.b.name]));

/** Unique image references of a pairs file, in first-use order. */
export function imagesOf(pairs: readonly LfwPair[]): LfwImageRef[] {
  const seen = new Map<string, LfwImageRef>();
  for (const p of pairs) for (const r of [p.a, p.b]) if (!seen.has(lfwImageKey(r))) seen.set(lfwImageKey(r), r);
  return [...seen.values()];
}
