import { Queue, Worker, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueNames } from '../contracts/queues.js';
import { queueOptions } from './queue-options.js';

/** The "maintenance" queue: scheduled housekeeping jobs without data (the job name says which). */
export type MaintenanceJobName = 'retention';
export type MaintenanceQueue = Queue<Record<string, never>, unknown, MaintenanceJobName>;
export type MaintenanceWorker = Worker<Record<string, never>, unknown, MaintenanceJobName>;

export const createMaintenanceQueue = (connection: Redis, prefix: string, eventsMaxLen?: number): MaintenanceQueue =>
  new Queue<Record<string, never>, unknown, MaintenanceJobName>(queueNames.maintenance, queueOptions(connection, prefix, eventsMaxLen));

export function createMaintenanceWorker(processor: Processor<Record<string, never>, unknown, MaintenanceJobName>, options: WorkerOptions): MaintenanceWorker {
  return new Worker<Record<string, never>, unknown, MaintenanceJobName>(queueNames.maintenance, processor, options);
}
