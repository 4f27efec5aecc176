import type { JobsOptions } from 'bullmq';

/** BullMQ job ids may not contain ':'; camera ids are [A-Za-z0-9_-] so '.' separates safely. */
export const frameJobId = (cameraId: string, seq: number): string => `f.${cameraId}.${seq}`;
export const facesJobId = (cameraId: string, seq: number): string => `r.${cameraId}.${seq}`;

/**
 * Frames: one retry for transient faults (Redis hiccup), never a backlog of old frames
 * (the worker skips frames older than vision.maxFrameAgeMs anyway); finished jobs are not kept.
 */
export const frameJobOptions: JobsOptions = {
  attempts: 2,
  backoff: { type: 'fixed', delay: 100 },
  removeOnComplete: true,
  removeOnFail: { count: 100 },
};

export const facesJobOptions: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: true,
  removeOnFail: { count: 100 },
};
