import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { RetentionRepository } from '../store/retention.repository.js';
import type { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import { systemClock, type Clock } from '../common/clock.js';
import { HealthServer, type ReadinessCheck } from './health.server.js';
import { MaintenanceScheduler, type MaintenanceJobs } from './maintenance.scheduler.js';
import { registerProcessMetrics, WebhookMetrics, type TensorSource, type WebhookEventsSource } from './ops.metrics.js';
import { modelsCheck, storeCheck, type ModelsSource } from './readiness.checks.js';
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

/** The Redis side of ops, each on a connection of its own, opened when needed (queue/ in the roles). */
export interface OpsQueues {
  /** Readiness: Redis answers, failing fast (queue/redis.probe.ts). */
  probe(): ReadinessCheck & { close(): void };
  /** Hub: the "webhooks" queue's events, for the webhook counters (queue/webhook-events.ts). */
  webhookEvents(): WebhookEventsSource;
  /** Hub: the "maintenance" queue, for the retention schedule (queue/maintenance.queue.ts). */
  maintenance(): MaintenanceJobs;
}

export interface OpsDeps {
  config: Pick<Config, 'ops' | 'retention' | 'data'>;
  roles: readonly OpsRole[];
  queues: OpsQueues;
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
    const probe = deps.queues.probe();
    cleanups.push(() => probe.close());
    const checks: ReadinessCheck[] = [probe];
    if (deps.roles.includes('vision') || deps.roles.includes('hub')) checks.push(modelsCheck(deps.engines));
    checks.push(...(deps.checks ?? []));
    let retention: RetentionService | undefined;
    if (deps.roles.includes('hub') && deps.store) {
      checks.push(storeCheck(config.data.dir, deps.store));
      const webhooks = new WebhookMetrics(deps.queues.webhookEvents(), metrics.registry);
      cleanups.push(() => webhooks.close());
      const service = new RetentionService(deps.store.retention, config.data.dir, deps.clock ?? systemClock, config.retention);
      retention = service;
      const scheduler = new MaintenanceScheduler({
        queue: deps.queues.maintenance(), intervalMs: config.retention.intervalMinutes * 60_000,
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
