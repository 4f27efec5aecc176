import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { FaceStreamError } from '../errors/index.js';
import { cosineDistance } from '../common/vectors.js';
import type { EmbeddingProvider } from './pairs.evaluation.js';

const imageExt = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** Folder per person: `DIR/<person>/<image>`. */
export async function listLabelledImages(dir: string): Promise<{ person: string; path: string }[]> {
  let people;
  try {
    people = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (e) {
    throw new FaceStreamError('E_FILE_NOT_FOUND', `${dir}: cannot list (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const out: { person: string; path: string }[] = [];
  for (const person of people) {
    const files = (await readdir(join(dir, person))).filter((f) => imageExt.has(extname(f).toLowerCase())).sort();
    for (const f of files) out.push({ person, path: join(dir, person, f) });
  }
  if (out.length === 0) throw new FaceStreamError('E_USAGE', `${dir}: no images in person folders (expected DIR/<person>/<image>)`);
  return out;
}

export interface ProbeResult { path: string; person: string; known: boolean; ranked: { person: string; distance: number }[]; failed?: string }

export interface IdentificationEvaluation {
  gallery: { people: number; images: number; failed: number };
  probes: { total: number; known: number; unknown: number; failed: number };
  /** Closed set (probes of gallery people): correct person first / within the first 5. Failed probes count as misses. */
  rank1: number;
  rank5: number;
  /**
   * Open set: the threshold that lets `far` of the unknown probes match someone; DIR = share of
   * known probes whose first match is right AND within it. Null when there are no unknown probes.
   */
  openSet: { far: number; threshold: number; dir: number; achievedFar: number }[] | null;
  /** Open set at a given threshold (the configured verify threshold): DIR and the unknowns wrongly accepted. */
  atThreshold: { threshold: number; dir: number; far: number };
  perProbe: ProbeResult[];
}

/**
 * Closed- and open-set identification: each gallery person is represented by all their images
 * (distance to a person = the smallest distance to any of their images).
 */
export async function evaluateIdentification(
  provider: EmbeddingProvider,
  o: { galleryDir: string; probesDir: string; threshold: number; fars?: number[]; onProgress?: (done: number, total: number) => void },
): Promise<IdentificationEvaluation> {
  const galleryImages = await listLabelledImages(o.galleryDir);
  const probeImages = await listLabelledImages(o.probesDir);
  const total = galleryImages.length + probeImages.length;
  let done = 0;
  const gallery: { person: string; v: Float32Array }[] = [];
  let galleryFailed = 0;
  for (const g of galleryImages) {
    const e = await provider.embed(g.path);
    o.onProgress?.(++done, total);
    if (e.embedding) gallery.push({ person: g.person, v: e.embedding }); else galleryFailed++;
  }
  const people = new Set(gallery.map((g) => g.person));
  const perProbe: ProbeResult[] = [];
  for (const p of probeImages) {
    const e = await provider.embed(p.path);
    o.onProgress?.(++done, total);
    const known = people.has(p.person);
    if (!e.embedding) { perProbe.push({ path: p.path, person: p.person, known, ranked: [], failed: e.status }); continue; }
    const best = new Map<string, number>();
    for (const g of gallery) {
      const d = cosineDistance(e.embedding, g.v);
      if (d < (best.get(g.person) ?? Infinity)) best.set(g.person, d);
    }
    const ranked = [...best].map(([person, distance]) => ({ person, distance })).sort((a, b) => a.distance - b.distance);
    perProbe.push({ path: p.path, person: p.person, known, ranked });
  }
  const known = perProbe.filter((p) => p.known), unknown = perProbe.filter((p) => !p.known);
  const rankOf = (p: ProbeResult) => p.ranked.findIndex((r) => r.person === p.person);
  const within = (k: number) => known.filter((p) => { const r = rankOf(p); return r >= 0 && r < k; }).length / Math.max(1, known.length);
  const dirAt = (t: number) => known.filter((p) => rankOf(p) === 0 && p.ranked[0]!.distance <= t).length / Math.max(1, known.length);
  // an unknown probe with no face is "unknown" by construction: it is never falsely accepted
  const unknownBest = unknown.map((p) => p.ranked[0]?.distance ?? Infinity).sort((a, b) => a - b);
  const farAt = (t: number) => unknownBest.filter((d) => d <= t).length / Math.max(1, unknownBest.length);
  const openSet = unknownBest.length === 0 ? null : (o.fars ?? [1e-2, 1e-1]).map((far) => {
    const allowed = Math.floor(far * unknownBest.length + 1e-9);
    const cut = unknownBest[allowed] ?? Infinity;
    const below = [...known.map((p) => p.ranked[0]?.distance ?? Infinity), ...unknownBest].filter((d) => d < cut);
    const threshold = allowed >= unknownBest.length ? Math.max(...below, 0) : below.length ? (Math.max(...below) + cut) / 2 : cut - 1e-6;
    return { far, threshold, dir: dirAt(threshold), achievedFar: farAt(threshold) };
  });
  return {
    gallery: { people: people.size, images: galleryImages.length, failed: galleryFailed },
    probes: { total: perProbe.length, known: known.length, unknown: unknown.length, failed: perProbe.filter((p) => p.failed).length },
    rank1: within(1), rank5: within(5), openSet,
    atThreshold: { threshold: o.threshold, dir: dirAt(o.threshold), far: farAt(o.threshold) },
    perProbe: perProbe.map((p) => ({ ...p, ranked: p.ranked.slice(0, 5) })),
  };
}
