export * from './pipeline.metrics.js';
