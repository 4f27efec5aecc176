import type { TF } from '../../engine/tf.js';
import type { Point } from '../align/similarity.js';
import { arcfaceTemplate112 } from '../align/templates.js';
import { fivePointsOf } from './embedder.js';
import { GraphEmbedder, type GraphEmbedderSpec } from './graph.embedder.js';

/**
 * human-models mobileface (256-d): ArcFace-style 112x112 chips from 5 points; the graph
 * takes raw RGB 0-255 and normalises inside. About 6x cheaper than ResNet-34, less accurate.
 */
export const mobilefaceSpec: GraphEmbedderSpec = {
  modelId: 'human-mobileface-256@arcface112',
  file: 'mobileface',
  dim: 256,
  chipSize: 112,
  input: { bgr: false, mean: 0, scale: 1 },
  alignment: (l: readonly Point[]) => ({ imagePoints: fivePointsOf(l), chipPoints: arcfaceTemplate112 }),
};

export const loadMobileface = (tf: TF, humanModelDir: string): Promise<GraphEmbedder> => GraphEmbedder.load(tf, humanModelDir, mobilefaceSpec);
