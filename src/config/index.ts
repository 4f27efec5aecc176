export * from './schema.js';
export * from './load.js';
export * from './walk.js';
export * from './document.js';
