export * from './embedder.js';
export * from './resnet34.embedder.js';
export * from './mobileface.embedder.js';
export * from './graph.embedder.js';
export * from './faceres.embedder.js';
export * from './load.js';
