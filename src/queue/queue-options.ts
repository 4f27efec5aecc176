import type { QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Entries kept in each queue's BullMQ event stream (`<prefix>:<queue>:events`, trimmed with
 * XTRIM MAXLEN ~, so a node of up to 100 entries more). BullMQ's default is 10,000 per queue;
 * about five events per frame in "frames" and in "faces" made that the one thing in Redis
 * still growing after 10 minutes of a soak. Nothing here replays old events: the stream only
 * feeds live QueueEvents listeners (webhook metrics) across a short disconnect.
 */
export const defaultEventsMaxLen = 1000;

/**
 * Options of every Queue the product opens. The stream length is a queue-wide setting BullMQ
 * stores in the queue's meta hash on each Queue's start (last writer wins): every producer of
 * a queue passes the configured value; read-only users pass `readOnly` and never write it.
 */
export function queueOptions(connection: Redis, prefix: string, eventsMaxLen = defaultEventsMaxLen, readOnly = false): QueueOptions {
  return { connection, prefix, streams: { events: { maxLen: eventsMaxLen } }, ...(readOnly ? { skipMetasUpdate: true } : {}) };
}
