import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { RetentionRepository } from '../store/retention.repository.js';
import type { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import { createRedis } from '../queue/redis.connection.js';
import { systemClock, type Clock } from '../common/clock.js';
import { HealthServer, type ReadinessCheck } from './health.server.js';
import { MaintenanceScheduler } from './maintenance.scheduler.js';
import { registerProcessMetrics, WebhookMetrics, type TensorSource } from './ops.metrics.js';
import { modelsCheck, RedisProbe, storeCheck, type ModelsSource } from './readiness.checks.js';
import { RetentionService } from './retention.service.js';

/** One process's metrics as prom-client JSON (`registry.getMetricsAsJSON()`). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * This process's registry with its children's metrics summed in (prom-client's cluster
 * aggregation: counters and histograms add up, process metrics by their own rules), for /metrics.
 */
export function withChildMetrics(registry: Registry, children: () => Promise<MetricsJson[]>): Pick<Registry, 'metrics' | 'contentType'> {
  return {
    contentType: registry.contentType,
    metrics: async () => AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), ...(await children())]).metrics(),
  };
}

export type OpsRole = 'ingest' | 'vision' | 'hub';

export interface OpsDeps {
  config: Pick<Config, 'ops' | 'retention' | 'redis' | 'data'>;
  roles: readonly OpsRole[];
  logger: Logger;
  metrics: PipelineMetrics;
  /** The process's face engines (vision, hub); empty for ingest only. */
  engines: readonly (TensorSource & ModelsSource)[];
  /** The hub's database (the opened gallery or a DataStore): readiness pings it, retention runs against it. */
  store?: { ping(): boolean; readonly retention: RetentionRepository };
  clock?: Pick<Clock, 'now'>;
  /** Metrics of child processes (facestream run's vision children), summed into /metrics with this process's. */
  childMetrics?: () => Promise<MetricsJson[]>;
  /** More readiness checks (facestream run: a vision child is running). */
  checks?: readonly ReadinessCheck[];
}

export interface Ops {
  /** Port of the ops HTTP server; undefined when ops.port is 0 (off). */
  readonly port: number | undefined;
  readonly retention: RetentionService | undefined;
  /** Readiness turns 503 (shutdown started). */
  drain(): void;
  close(): Promise<void>;
}

/**
 * Operations of one process, whatever roles it runs: process + pipeline metrics on the roles'
 * registry, the ops HTTP server (health + /metrics) when ops.port is set, and on the hub the
 * retention job scheduler and webhook counters.
 */
export async function startOps(deps: OpsDeps): Promise<Ops> {
  const { config, logger, metrics } = deps;
  const cleanups: (() => unknown)[] = [];
  const close = async () => {
    const errors: unknown[] = [];
    for (const c of cleanups.splice(0).reverse()) { try { await c(); } catch (e) { errors.push(e); } }
    if (errors.length) throw new AggregateError(errors, 'ops close failed');
  };
  try {
    registerProcessMetrics(metrics.registry, deps.engines);
    const probe = new RedisProbe(config.redis.url);
    cleanups.push(() => probe.close());
    const checks: ReadinessCheck[] = [probe];
    if (deps.roles.includes('vision') || deps.roles.includes('hub')) checks.push(modelsCheck(deps.engines));
    checks.push(...(deps.checks ?? []));
    let retention: RetentionService | undefined;
    if (deps.roles.includes('hub') && deps.store) {
      checks.push(storeCheck(config.data.dir, deps.store));
      const webhooks = new WebhookMetrics(config.redis.url, config.redis.prefix, metrics.registry);
      cleanups.push(() => webhooks.close());
      const service = new RetentionService(deps.store.retention, config.data.dir, deps.clock ?? systemClock, config.retention);
      retention = service;
      const redis = createRedis(config.redis.url, 'facestream-maintenance');
      cleanups.push(() => redis.quit());
      const scheduler = new MaintenanceScheduler({
        connection: redis, prefix: config.redis.prefix, eventsMaxLen: config.redis.eventsMaxLen, intervalMs: config.retention.intervalMinutes * 60_000,
        retention: () => service.runScheduled(), logger,
      });
      cleanups.push(() => scheduler.close());
      await scheduler.start();
    }
    let server: HealthServer | undefined;
    let port: number | undefined;
    if (config.ops.port > 0) {
      const registry = deps.childMetrics ? withChildMetrics(metrics.registry, deps.childMetrics) : metrics.registry;
      server = new HealthServer({ host: config.ops.host, port: config.ops.port, registry, checks, logger });
      port = await server.start();
      cleanups.push(() => server?.close());
      logger.info({ port, host: config.ops.host }, 'ops endpoint: /health/live /health/ready /metrics');
    }
    let closing: Promise<void> | undefined;
    return { port, retention, drain: () => server?.drain(), close: () => (closing ??= close()) };
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
}
