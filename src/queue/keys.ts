/**
 * Every Redis name facestream uses, in one place: BullMQ queue names, our own keys and the
 * pub/sub channel, all under a deployment's prefix (so deployments, demos and tests sharing a
 * Redis never mix). BullMQ names each queue's own keys under `<prefix>:<queue>:` (`meta` hash,
 * `events` stream trimmed to redis.eventsMaxLen, one hash per job id, ...).
 * Nothing outside src/queue/ builds a key: stage code gets the store or publisher that owns it.
 * Changing a name here orphans a running deployment's data.
 */

/** BullMQ queue names. */
export const queueNames = {
  frames: 'frames', faces: 'faces', webhooks: 'webhooks',
  /** The hub's housekeeping (retention job scheduler): not a pipeline stage, never in the frame path. */
  maintenance: 'maintenance',
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];

export const redisKeys = {
  /** STRING: a frame's JPEG bytes (TTL ingest.frameTtlMs); the "frames" job carries only this key. */
  frame: (prefix: string, cameraId: string, seq: number) => `${prefix}:frame:${cameraId}:${seq}`,
  /** STRING counter: a camera's last frame sequence number (monotonic across ffmpeg and process restarts). */
  sequence: (prefix: string, cameraId: string) => `${prefix}:seq:${cameraId}`,
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
  /** Pub/sub: every camera status the ingest publishes (JSON CameraStatus). */
  cameraStatusChannel: (prefix: string) => `${prefix}:events:camera-status`,
};
