/** BullMQ queue names and Redis key/channel layout under a deployment prefix. */
export const queueNames = {
  frames: 'frames', faces: 'faces', webhooks: 'webhooks',
  /** The hub's housekeeping (retention job scheduler): not a pipeline stage, never in the frame path. */
  maintenance: 'maintenance',
} as const;

export const redisKeys = {
  frame: (prefix: string, cameraId: string, seq: number) => `${prefix}:frame:${cameraId}:${seq}`,
  /** ZSET of job ids of one camera's frames waiting in the queue (score = sequence number). */
  pending: (prefix: string, cameraId: string) => `${prefix}:pending:${cameraId}`,
  /** HASH cameraId -> JSON CameraStatus (the queryable latest status). */
  cameraStatus: (prefix: string) => `${prefix}:camera-status`,
  /** HASH seq, capturedAt, jpeg: the newest frame of a camera, for the dashboard preview (the queued copy is deleted once analysed). */
  preview: (prefix: string, cameraId: string) => `${prefix}:preview:${cameraId}`,
  /** HASH cameraId -> open tracks (written by the hub): the ingest's motion gate never skips a camera with a track. */
  openTracks: (prefix: string) => `${prefix}:open-tracks`,
  /** STRING: the gallery's proposer vectors (revision, dim, packed float32), written by the hub for the vision workers' two-witness pre-filter. */
  proposalVectors: (prefix: string) => `${prefix}:gallery:proposal-vectors`,
  /** STRING: the revision of proposalVectors (read often; the vectors only when it changes). */
  proposalRevision: (prefix: string) => `${prefix}:gallery:proposal-revision`,
  /** Pub/sub channels. */
  cameraStatusChannel: (prefix: string) => `${prefix}:events:camera-status`,
  sightingChannel: (prefix: string) => `${prefix}:events:sighting`,
};
