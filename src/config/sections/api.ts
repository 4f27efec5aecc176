import { z } from 'zod';
import { section } from './base.js';

/** api: the REST API's address and its limits on uploads, analyses and failed authentications. */

export const apiSchema = section({
  host: z.string().min(1).default('127.0.0.1')
    .describe('Address the REST API listens on (0.0.0.0 = every interface).'),
  port: z.number().int().min(0).max(65535).default(8080)
    .describe('TCP port of the REST API (0 = any free port).'),
  maxUploadBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(10 * 1024 * 1024)
    .describe('Largest accepted uploaded file (bytes); larger uploads get 413.'),
  maxFiles: z.number().int().min(1).max(1000).default(20)
    .describe('Most files accepted in one multipart upload.'),
  maxConcurrentAnalyses: z.number().int().min(1).max(64).default(2)
    .describe('Requests that analyse photos (identify, enrol, corrections) decoding or in the engine at once, per process; more wait in line.'),
  maxQueuedAnalyses: z.number().int().min(0).max(1000).default(8)
    .describe('Photo requests that may wait for an analysis slot; past this a request gets 429 E_BUSY with Retry-After (seconds) instead of holding memory.'),
  failedAuthPerMinute: z.number().int().min(1).max(100_000).default(30)
    .describe('Requests without a valid API key accepted per client address per minute (REST and Socket.IO handshakes); past this 429 with Retry-After.'),
});

export type ApiConfig = z.infer<typeof apiSchema>;
