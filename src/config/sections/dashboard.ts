import { z } from 'zod';
import { section } from './base.js';

/** dashboard: the hub's web dashboard and its live events. */

export const dashboardSchema = section({
  enabled: z.boolean().default(true)
    .describe('The hub role serves the REST API, the dashboard (web/) and its Socket.IO live events on api.host:api.port.'),
  previewFps: z.number().min(0.2).max(15).default(3)
    .describe('Most live preview frames per second sent to one browser per camera; a browser that has not drawn the last one gets none (frames are dropped, the pipeline never waits).'),
  replayLimit: z.number().int().min(10).max(10000).default(500)
    .describe('On (re)connect a browser gets at most this many sightings newer than the last one it has.'),
});

export type DashboardConfig = z.infer<typeof dashboardSchema>;
