import type { Config } from '../config/schema.js';
import { DashboardService, type DashboardOptions } from '../api/live/dashboard.service.js';
import { PreviewStore } from '../queue/preview.store.js';

export type StartDashboardOptions = Omit<DashboardOptions, 'preview' | 'config'> & {
  config: DashboardOptions['config'] & Pick<Config, 'redis'>;
  /** Default config.redis.url. */
  redisUrl?: string;
};

/**
 * The hub's dashboard as the roles start it: DashboardService with live previews read from the
 * ingest's preview store on a Redis connection of its own (closed with the dashboard).
 */
export function startDashboard(options: StartDashboardOptions): Promise<DashboardService> {
  const { redisUrl, ...rest } = options;
  const { redis } = options.config;
  return DashboardService.start({ ...rest, preview: PreviewStore.open(redisUrl ?? redis.url, redis.prefix, 'facestream-dashboard') });
}
