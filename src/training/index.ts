export * from './losses.js';
export * from './samplers.js';
export * from './projection.head.js';
export * from './siamese.trainer.js';
