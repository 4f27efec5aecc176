import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { VectorHit, VectorIndex } from './vector-index.js';

const { HierarchicalNSW } = hnswlib;

/** HNSW graph parameters (see bench/index.bench.ts for the recall/latency trade-off). */
export interface HnswParams {
  /** Graph degree (default 32). */
  M: number;
  /** Build-time candidate list (default 200). */
  efConstruction: number;
  /**
   * Query-time candidate list; raised to k when a query asks for more. 'auto' (default) follows
   * the number of points in the graph (autoEfSearch); a number is used as is.
   */
  efSearch: number | 'auto';
}

export const defaultHnswParams: HnswParams = { M: 32, efConstruction: 400, efSearch: 'auto' };

/**
 * efSearch for a graph of `n` points, for M 32 / efConstruction 200: the smallest ef that reached
 * recall@1 >= 0.995 against exact search in bench/index.bench.ts (200 real LFW queries, real +
 * synthetic-identity vectors): 32 at 1.2k, 96 at 100k, 192 at 250k, 256 at 500k. The 1M anchor
 * (384) is an extrapolation with the M 16 curve's growth from 500k to 1M (384 -> 512;
 * docs/benchmarks/gallery-index.md).
 * Linear in log10(n) between anchors, the last slope beyond; clamped to [32, 1024]. With M 16 the
 * same recall needs a larger ef: set a number. A graph built with efConstruction >= 400 (the
 * default) needs less: see AUTO_EF_DENSE.
 */
export const AUTO_EF_ANCHORS: readonly (readonly [n: number, ef: number])[] = [[1_000, 32], [100_000, 96], [250_000, 192], [500_000, 256], [1_000_000, 384]];
const AUTO_EF_MIN = 32, AUTO_EF_MAX = 1024;

export function autoEfSearch(n: number, efConstruction = 200): number {
  const a = AUTO_EF_ANCHORS;
  let ef: number;
  if (!(n > a[0]![0])) ef = a[0]![1];
  else {
    let i = 1;
    while (i < a.length - 1 && n > a[i]![0]) i++;
    const [n0, e0] = a[i - 1]!, [n1, e1] = a[i]!;
    ef = e0 + ((e1 - e0) * (Math.log10(n) - Math.log10(n0))) / (Math.log10(n1) - Math.log10(n0));
  }
  if (efConstruction >= AUTO_EF_DENSE.efConstruction) {
    // a denser graph needs less: at 1M, efConstruction 400 reached recall 1.000 at ef 192 where
    // 200 needed 384; capped there up to 1M, growing like the efConstruction-200 curve beyond
    const [n1, e1] = a[a.length - 1]!;
    ef = n <= n1 ? Math.min(ef, AUTO_EF_DENSE.ef1M) : (ef * AUTO_EF_DENSE.ef1M) / e1;
  }
  return Math.min(AUTO_EF_MAX, Math.max(AUTO_EF_MIN, Math.ceil(ef)));
}

/** bench:index, 1M real + synthetic identities, M 32 / efConstruction 400: recall@1 1.000 at ef 192. */
export const AUTO_EF_DENSE = { efConstruction: 400, ef1M: 192 } as const;

const INITIAL_CAPACITY = 1024;

/**
 * hnswlib-node behind the VectorIndex interface. Space 'cosine' (hnswlib normalises and uses
 * 1 - dot), so distances are the cosine distances every threshold in facestream is stated in.
 * Labels are non-negative integers (face sample ids). Deletions are hnswlib tombstones
 * (markDelete); a rebuild from the store compacts them away.
 */
export class HnswIndex implements VectorIndex {
  private readonly live = new Set<number>();
  private tombstones = 0;
  private efSearch: number | 'auto';
  /** What the graph was built with (auto efSearch depends on it). */
  readonly efConstruction: number;

  private constructor(readonly dim: number, params: HnswParams, private readonly hnsw: InstanceType<typeof HierarchicalNSW>) {
    this.efSearch = params.efSearch;
    this.efConstruction = params.efConstruction;
  }

  /** The efSearch queries use now: the setting, or with 'auto' autoEfSearch(points in the graph). */
  get currentEfSearch(): number {
    // tombstones stay in the graph and are walked like live points: the graph size is what counts
    return this.efSearch === 'auto' ? autoEfSearch(this.hnsw.getCurrentCount(), this.efConstruction) : this.efSearch;
  }

  static create(dim: number, params: HnswParams = defaultHnswParams, capacity = INITIAL_CAPACITY): HnswIndex {
    const hnsw = new HierarchicalNSW('cosine', dim);
    hnsw.initIndex({ maxElements: Math.max(16, capacity), m: params.M, efConstruction: params.efConstruction, randomSeed: 100 });
    const index = new HnswIndex(dim, params, hnsw);
    hnsw.setEf(index.currentEfSearch);
    return index;
  }

  /** Read an index file written by writeFile; `liveLabels` are the labels that are not deleted. */
  static readFile(file: string, dim: number, params: HnswParams, liveLabels: Iterable<number>): HnswIndex {
    const hnsw = new HierarchicalNSW('cosine', dim);
    // M and efConstruction are read from the file (the graph was built with them); only
    // efSearch comes from the settings. params.efConstruction must be what the graph was built
    // with (loadIndexFiles passes the manifest's): auto efSearch depends on it.
    hnsw.readIndexSync(file);
    const index = new HnswIndex(dim, params, hnsw);
    hnsw.setEf(index.currentEfSearch);
    for (const l of liveLabels) index.live.add(l);
    index.tombstones = hnsw.getCurrentCount() - index.live.size;
    if (index.tombstones < 0) throw new Error(`index file ${file} holds fewer points than its label map`);
    return index;
  }

  get size(): number { return this.live.size; }
  /** Deleted points still in the graph (a rebuild removes them). */
  get deleted(): number { return this.tombstones; }
  get capacity(): number { return this.hnsw.getMaxElements(); }
  has(label: number): boolean { return this.live.has(label); }
  labels(): number[] { return [...this.live]; }

  add(label: number, vector: ArrayLike<number>): void {
    if (vector.length !== this.dim) throw new Error(`vector has ${vector.length} dimensions, the index ${this.dim}`);
    if (this.live.has(label)) throw new Error(`label ${label} is already in the index`);
    if (!Number.isSafeInteger(label) || label < 0) throw new Error(`label ${label} is not a non-negative integer`);
    const count = this.hnsw.getCurrentCount();
    // Geometric growth keeps the amortised cost of resizeIndex (a full copy) constant per add.
    if (count >= this.hnsw.getMaxElements()) this.hnsw.resizeIndex(Math.max(16, this.hnsw.getMaxElements() * 2));
    const values = Array.from(vector);
    try {
      this.hnsw.addPoint(values, label);
    } catch (e) {
      // a label deleted earlier is still a tombstone in the graph: revive it with the new vector
      if (!/already|exist/i.test((e as Error).message)) throw e;
      this.hnsw.unmarkDelete(label);
      this.hnsw.addPoint(values, label);
      this.tombstones--;
    }
    this.live.add(label);
  }

  remove(label: number): boolean {
    if (!this.live.delete(label)) return false;
    this.hnsw.markDelete(label);
    this.tombstones++;
    return true;
  }

  search(vector: ArrayLike<number>, k: number): VectorHit[] {
    const n = Math.min(k, this.live.size);
    if (n <= 0) return [];
    if (vector.length !== this.dim) throw new Error(`query has ${vector.length} dimensions, the index ${this.dim}`);
    this.hnsw.setEf(Math.max(this.currentEfSearch, n));
    const r = this.hnsw.searchKnn(Array.from(vector), n);
    return r.neighbors.map((label, i) => ({ label, distance: r.distances[i]! }));
  }

  /** Change the query-time candidate list size (recall/latency trade-off); 'auto' = by graph size. */
  setEfSearch(ef: number | 'auto'): void { this.efSearch = ef; }

  vector(label: number): Float32Array | undefined {
    return this.live.has(label) ? Float32Array.from(this.hnsw.getPoint(label)) : undefined;
  }

  /** Write the graph to `file` (not atomic by itself: see saveIndexFiles). */
  writeFile(file: string): void {
    this.hnsw.writeIndexSync(file);
  }
}

/** What the manifest stamps an index with: it is current only if this matches the store. */
export interface IndexStamp {
  /** The store's gallery revision the index reflects. */
  revision: number;
  modelId: string;
  dim: number;
}

interface Manifest extends IndexStamp {
  format: 'facestream-hnsw';
  version: 1;
  savedAt: string;
  params: HnswParams;
  count: number;
  indexFile: string;
  indexSha256: string;
  labelsFile: string;
  labelsSha256: string;
}

export const MANIFEST = 'manifest.json';
const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* some platforms cannot fsync a directory; rename is still atomic there */ }
}

function writeDurable(file: string, data: Buffer | string): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally { closeSync(fd); }
}

/**
 * Save the index and its label map (label -> owner id) atomically. Both data files get fresh
 * names, are fsynced, then the manifest naming them (with checksums and the stamp) is written to
 * a temp file and renamed over manifest.json: the rename is the commit point, so a reader (or a
 * restart after a crash at any moment) sees either the previous complete index or the new one.
 * Files no longer named by the manifest (older saves, temp files of a killed save) are removed.
 */
export function saveIndexFiles(dir: string, index: HnswIndex, labels: ReadonlyMap<number, string>, stamp: IndexStamp, params: HnswParams): void {
  mkdirSync(dir, { recursive: true });
  const token = `${stamp.revision}-${randomBytes(4).toString('hex')}`;
  const indexFile = `index-${token}.hnsw`, labelsFile = `labels-${token}.json`;
  const indexTmp = path.join(dir, `${indexFile}.tmp`);
  index.writeFile(indexTmp);
  fsyncFile(indexTmp);
  renameSync(indexTmp, path.join(dir, indexFile));
  const labelsBuf = Buffer.from(JSON.stringify({ labels: [...labels] }));
  writeDurable(path.join(dir, labelsFile), labelsBuf);
  const manifest: Manifest = {
    format: 'facestream-hnsw', version: 1, ...stamp, savedAt: new Date().toISOString(), params, count: index.size,
    indexFile, indexSha256: sha256(readFileSync(path.join(dir, indexFile))), labelsFile, labelsSha256: sha256(labelsBuf),
  };
  const manifestTmp = path.join(dir, `${MANIFEST}.tmp`);
  writeDurable(manifestTmp, JSON.stringify(manifest, null, 2));
  renameSync(manifestTmp, path.join(dir, MANIFEST));
  fsyncDir(dir);
  for (const f of readdirSync(dir)) {
    if (f !== MANIFEST && f !== indexFile && f !== labelsFile) rmSync(path.join(dir, f), { force: true, recursive: true });
  }
}

export type LoadedIndex =
  | { ok: true; index: HnswIndex; labels: Map<number, string>; stamp: IndexStamp; /** what the graph was built with (M, efConstruction live in the file) */ builtWith: HnswParams }
  | { ok: false; reason: 'missing' | 'corrupt' | 'stale'; detail: string };

/**
 * Load the index named by the manifest, verifying checksums and the stamp. Any failure is a
 * return value (the caller rebuilds from the store), never an exception: the store is the truth.
 */
export function loadIndexFiles(dir: string, expect: IndexStamp, params: HnswParams): LoadedIndex {
  const manifestPath = path.join(dir, MANIFEST);
  if (!existsSync(manifestPath)) return { ok: false, reason: 'missing', detail: `no ${MANIFEST} in ${dir}` };
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (m.format !== 'facestream-hnsw' || m.version !== 1 || typeof m.indexFile !== 'string' || typeof m.labelsFile !== 'string') throw new Error('unknown manifest format');
  } catch (e) {
    return { ok: false, reason: 'corrupt', detail: `manifest unreadable: ${(e as Error).message}` };
  }
  if (m.revision !== expect.revision || m.modelId !== expect.modelId || m.dim !== expect.dim) {
    return { ok: false, reason: 'stale', detail: `index is at revision ${m.revision} (${m.modelId}, ${m.dim}-d), the store at ${expect.revision} (${expect.modelId}, ${expect.dim}-d)` };
  }
  try {
    const indexPath = path.join(dir, path.basename(m.indexFile));
    const labelsBuf = readFileSync(path.join(dir, path.basename(m.labelsFile)));
    if (sha256(labelsBuf) !== m.labelsSha256) throw new Error('label map checksum mismatch');
    if (sha256(readFileSync(indexPath)) !== m.indexSha256) throw new Error('index checksum mismatch');
    const parsed = JSON.parse(labelsBuf.toString('utf8')) as { labels: [number, string][] };
    const labels = new Map(parsed.labels);
    if (labels.size !== m.count) throw new Error(`label map has ${labels.size} entries, manifest says ${m.count}`);
    const index = HnswIndex.readFile(indexPath, m.dim, { ...params, efConstruction: m.params?.efConstruction ?? 200 }, labels.keys());
    return { ok: true, index, labels, stamp: { revision: m.revision, modelId: m.modelId, dim: m.dim }, builtWith: m.params };
  } catch (e) {
    return { ok: false, reason: 'corrupt', detail: (e as Error).message };
  }
}

/** Exact (brute-force) k nearest neighbours by cosine distance: the ground truth for recall. */
export function exactSearch(vectors: readonly Float32Array[], query: Float32Array, k: number): VectorHit[] {
  const hits: VectorHit[] = [];
  for (let label = 0; label < vectors.length; label++) {
    const v = vectors[label]!;
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i]! * query[i]!;
    const distance = 1 - dot;
    if (hits.length < k || distance < hits[hits.length - 1]!.distance) {
      hits.push({ label, distance });
      hits.sort((a, b) => a.distance - b.distance);
      if (hits.length > k) hits.pop();
    }
  }
  return hits;
}
