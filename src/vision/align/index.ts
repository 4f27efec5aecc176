export * from './similarity.js';
export * from './templates.js';
export * from './chip.aligner.js';
