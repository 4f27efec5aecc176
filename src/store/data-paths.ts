import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FaceStreamError } from '../errors/index.js';

/** Face crops: crops/<personId>/<uuid>.jpg for samples, crops/sightings/<id>.jpg for sightings. */
export const CROPS_DIR = 'crops';
/** Best crops of sightings (written by the hub's sighting sink, swept by retention). */
export const SIGHTING_CROPS_DIR = path.join(CROPS_DIR, 'sightings');

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
  if (!abs.startsWith(root + path.sep)) {
    // the message names the stored path only: it may reach API clients, the data directory must not
    throw new FaceStreamError('E_PATH_OUTSIDE_DATA_DIR', `refusing the stored path '${rel}': it resolves outside the data directory`);
  }
  return abs;
}

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
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(`${abs}.tmp`, jpeg);
  renameSync(`${abs}.tmp`, abs);
  return rel;
}
