import { z } from 'zod';
import { section } from './base.js';

/** ops: each process's health and metrics HTTP server. */

export const opsSchema = section({
  host: z.string().min(1).default('127.0.0.1')
    .describe('Address of the ops HTTP server (/health/live, /health/ready, /metrics); 0.0.0.0 in containers.'),
  port: z.number().int().min(0).max(65535).default(0)
    .describe('TCP port of the ops HTTP server of this process (every role: ingest, vision, hub); 0 = off. Give each process on one host its own port.'),
});

export type OpsConfig = z.infer<typeof opsSchema>;
