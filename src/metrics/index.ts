export * from './pipeline.metrics.js';
export * from './queue-depth.sampler.js';
