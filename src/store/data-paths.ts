import { chmodSync, existsSync, lstatSync, mkdirSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FaceStreamError } from '../errors/index.js';

/** Face crops: crops/<personId>/<uuid>.jpg for samples, crops/sightings/<id>.jpg for sightings. */
export const CROPS_DIR = 'crops';
/** Best crops of sightings (written by the hub's sighting sink, swept by retention). */
export const SIGHTING_CROPS_DIR = path.join(CROPS_DIR, 'sightings');

/** The data directory and its folders: the owner only (names, embeddings, webhook secrets live there). */
export const PRIVATE_DIR_MODE = 0o700;
/** Files in the data directory: the owner only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Create the data directory (and missing parents) owner-only (0700). An existing directory is
 * left as it is (the operator may have chosen its mode); `facestream doctor` warns when it is
 * open to others (dataDirExposure).
 */
export function ensureDataDir(dataDir: string): void {
  if (existsSync(dataDir)) return;
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dataDir, PRIVATE_DIR_MODE);
}

/** What others may do with the data directory ("readable by group and others"), or null when it is owner-only. */
export function dataDirExposure(dataDir: string): string | null {
  const mode = statSync(dataDir).mode & 0o777;
  const who = [mode & 0o070 ? 'group' : '', mode & 0o007 ? 'others' : ''].filter(Boolean);
  return who.length ? `mode ${mode.toString(8).padStart(4, '0')}: open to ${who.join(' and ')}` : null;
}

/**
 * The one place a path stored relative to the data directory (crop files, thumbnails, a
 * person's crop folder) becomes absolute. Refuses anything that does not resolve strictly inside
 * the data directory (`..`, an absolute path elsewhere, the directory itself): stored paths come
 * from the database and imported files, and every read, write and (recursive) delete of data
 * files goes through here.
 */
export function resolveInDataDir(dataDir: string, rel: string): string {
  const root = path.resolve(dataDir);
  const abs = path.resolve(root, rel);
  // the message names the stored path only: it may reach API clients, the data directory must not
  const outside = () => new FaceStreamError('E_PATH_OUTSIDE_DATA_DIR', `refusing the stored path '${rel}': it resolves outside the data directory`);
  if (!abs.startsWith(root + path.sep)) throw outside();
  // The text is inside; symbolic links must not lead out either: the deepest existing part of
  // the path, resolved through every link, must still lie under the real data directory
  // (a link under crops/ pointing at /etc is refused for reads, writes and deletes alike).
  const realRoot = realOrSelf(root);
  let probe = abs;
  while (probe !== root && !existsSync(probe) && !isLink(probe)) probe = path.dirname(probe);
  if (probe !== root) {
    let real: string;
    try { real = realpathSync(probe); } catch { throw outside(); } // a dangling or looping link
    if (!real.startsWith(realRoot + path.sep)) throw outside();
  }
  return abs;
}

const realOrSelf = (p: string): string => { try { return realpathSync(p); } catch { return p; } };
/** lstat: true for a link also when its target is missing (existsSync follows links). */
const isLink = (p: string): boolean => { try { return lstatSync(p).isSymbolicLink(); } catch { return false; } };

/**
 * The folder of one person's sample crops (crops/<personId>), absolute. The person id must name
 * a folder of its own directly under crops/ (not crops/ itself, not crops/sightings, no
 * separators): ids are UUIDs unless a gallery file brought others, and this folder is deleted
 * recursively when the person is erased.
 */
export function personCropsDir(dataDir: string, personId: string): string {
  const crops = resolveInDataDir(dataDir, CROPS_DIR);
  const abs = resolveInDataDir(dataDir, path.join(CROPS_DIR, personId));
  if (path.dirname(abs) !== crops || abs === resolveInDataDir(dataDir, SIGHTING_CROPS_DIR)) {
    throw new FaceStreamError('E_PATH_OUTSIDE_DATA_DIR', `refusing the person id '${personId}' as a crop folder: it must name one folder of its own under ${CROPS_DIR}/`);
  }
  return abs;
}

/**
 * Write the best crop of a stored sighting to crops/sightings/<id>.jpg, atomically (a reader
 * never sees half a file); returns the data-relative path to store with the row.
 */
export function writeSightingCrop(dataDir: string, sightingId: number, jpeg: Buffer): string {
  const rel = path.join(SIGHTING_CROPS_DIR, `${sightingId}.jpg`);
  const abs = resolveInDataDir(dataDir, rel);
  mkdirSync(path.dirname(abs), { recursive: true, mode: PRIVATE_DIR_MODE });
  writeFileSync(`${abs}.tmp`, jpeg, { mode: PRIVATE_FILE_MODE });
  renameSync(`${abs}.tmp`, abs);
  return rel;
}
