export * from './vector-index.js';
export * from './hnsw.index.js';
export * from './matcher.js';
export * from './gallery.js';
