export * from './identifier.js';
export * from './reorder.buffer.js';
export * from './unknown.clusterer.js';
export * from './face.tracker.js';
