export * from './pipeline.metrics.js';
export * from './queue-depth.sampler.js';
export * from './frigate.metrics.js';
