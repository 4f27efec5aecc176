import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import YAML from 'yaml';
import type { EmbedderName } from '../config/schema.js';
import { bestAccuracyThreshold, thresholdAtFar, type Confusion, type ScoredPair } from './verification.metrics.js';

export type CalibrationObjective = { kind: 'far'; far: number } | { kind: 'accuracy' };

export interface Calibration {
  objective: CalibrationObjective;
  threshold: number;
  /** On the pairs it was set on. */
  far: number;
  tar: number;
  accuracy: number;
  confusion: Confusion;
}

/** The threshold meeting a FAR target (largest with FAR <= target) or maximising accuracy. */
export function calibrate(scores: readonly ScoredPair[], objective: CalibrationObjective): Calibration {
  const c = objective.kind === 'far' ? thresholdAtFar(scores, objective.far) : bestAccuracyThreshold(scores);
  // written to YAML with 6 decimals: round toward the stricter side so the FAR target still holds
  const threshold = Math.floor(c.threshold * 1e6) / 1e6;
  return { objective, threshold, far: c.far, tar: c.tar, accuracy: c.accuracy, confusion: c };
}

/**
 * Set `verify.thresholds.<model>` in a YAML config file, keeping everything else in it
 * (created when missing). The file is then loadable with `--config`.
 */
export async function writeThreshold(file: string, model: EmbedderName, threshold: number, comment: string): Promise<void> {
  const doc = await readConfigDocument(file);
  doc.setIn(['verify', 'thresholds', model], threshold);
  const node = doc.getIn(['verify', 'thresholds'], true) as YAML.YAMLMap | undefined;
  const pair = node?.items.find((p) => (p.key as YAML.Scalar | string) && String((p.key as YAML.Scalar).value ?? p.key) === model);
  if (pair && YAML.isScalar(pair.value)) pair.value.comment = ` ${comment}`;
  await writeConfigDocument(file, doc);
}

/**
 * Set `identify.thresholds.<model>` and `identify.minMargins.<model>` in a YAML config file (the open-set
 * decision from `facestream calibrate --identify`), keeping everything else in it.
 */
export async function writeIdentifyDecision(file: string, model: EmbedderName, threshold: number, minMargin: number, comment: string): Promise<void> {
  const doc = await readConfigDocument(file);
  doc.setIn(['identify', 'thresholds', model], threshold);
  doc.setIn(['identify', 'minMargins', model], minMargin);
  const node = doc.getIn(['identify'], true) as YAML.YAMLMap | undefined;
  if (node) node.commentBefore = ` ${comment}`;
  await writeConfigDocument(file, doc);
}

/** A YAML config file as an editable document (comments kept); an empty one when missing. */
async function readConfigDocument(file: string): Promise<YAML.Document> {
  let doc: YAML.Document;
  try {
    doc = YAML.parseDocument(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    doc = new YAML.Document({});
  }
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  return doc;
}

async function writeConfigDocument(file: string, doc: YAML.Document): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, doc.toString());
}
