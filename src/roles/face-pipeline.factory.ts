import type { TF } from '../engine/tf.js';
import { ProjectionHead } from '../training/projection.head.js';
import { FacePipeline, type PipelineSettings } from '../vision/face.pipeline.js';

/**
 * The face pipeline as configured, with the trained projection head (embedder.head) when one
 * is set: the one place that joins vision and training.
 */
export function openFacePipeline(settings: PipelineSettings): Promise<FacePipeline> {
  const head = settings.embedder.head;
  return FacePipeline.create(settings, head === undefined ? undefined : (tf: TF) => ProjectionHead.load(tf, head));
}
